-- A resident's first help (the month it became "guided") is read for every resident whose
-- counts a sync batch refreshes: `MIN(help_date)` by resident. With the index on the resident
-- alone that read every help of each resident, more as the year's helps pile up (about 30 a
-- resident in a benchmark's hamlets: 5.8 ms for 176 residents); on (resident, date) it is one
-- probe (0.9 ms), and the index still serves every look-up by resident (issue 16).
DROP INDEX help_resident;
CREATE INDEX help_resident_date ON help_records(resident_id, help_date);
