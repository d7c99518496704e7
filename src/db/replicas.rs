//! Reads on PostgreSQL streaming replicas (`CONGDONGSO_DATABASE_REPLICA_URL`): the dashboards,
//! province pages, reports, exports and `/api/v1/indicators` read from a replica that is up and
//! close enough behind the primary; writes, and an account's reads for a while after its own
//! write, stay on the primary.
//!
//! How far behind a replica is: each check samples the primary's WAL position, keeps the recent
//! samples with their time, and asks the replica how far it has replayed. The replica is as old
//! as the newest sample it has reached; a replica that has not reached the sample taken
//! `max_lag` ago, or does not answer, is skipped until a later check finds it caught up.

use super::Db;
use crate::error::Result;
use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long a check waits for the primary, then for each replica.
const ANSWER_SECS: u64 = 1;

/// The replicas and what is known of them.
#[derive(Default)]
pub struct Replicas {
    list: Vec<Replica>,
    /// A replica further behind than this is skipped.
    max_lag: Duration,
    /// How long an account's reads stay on the primary after its own write.
    sticky: Duration,
    /// When each account last wrote.
    recent: Mutex<HashMap<i64, Instant>>,
    /// The primary's WAL position at recent checks, oldest first.
    samples: Mutex<VecDeque<(Instant, i64)>>,
    next: AtomicUsize,
}

struct Replica {
    pool: AnyPool,
    /// Where the URL points, without credentials, for the log.
    label: String,
    usable: Mutex<bool>,
}

/// What a check found of one replica.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicaState {
    pub label: String,
    /// None: it did not answer, or is not a replica.
    pub lag: Option<Duration>,
    pub usable: bool,
}

impl Replicas {
    /// Pools for `urls`, connected lazily: a replica that is down does not stop the server.
    pub fn new(urls: &[String], max_lag: Duration, sticky: Duration) -> Result<Replicas> {
        let mut list = Vec::new();
        for url in urls {
            super::note_pooler(url);
            let pool = AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(2))
                .connect_lazy(url)?;
            list.push(Replica {
                pool,
                label: label_of(url),
                usable: Mutex::new(false),
            });
        }
        Ok(Replicas {
            list,
            max_lag,
            // An account's own write may reach a usable replica up to `max_lag` later, plus
            // the time a verdict is used before the next: a second between checks and the
            // longest a check waits for the primary and each replica.
            sticky: sticky
                .max(max_lag + Duration::from_secs(1 + (1 + urls.len() as u64) * ANSWER_SECS)),
            recent: Mutex::new(HashMap::new()),
            samples: Mutex::new(VecDeque::new()),
            next: AtomicUsize::new(0),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    fn note_write(&self, account_id: i64) {
        let mut recent = self.recent.lock().expect("replica lock");
        let now = Instant::now();
        // Forget accounts whose window has passed, so the map stays as small as the writers.
        if recent.len() > 1000 {
            recent.retain(|_, t| now.duration_since(*t) < self.sticky);
        }
        recent.insert(account_id, now);
    }

    fn wrote_lately(&self, account_id: i64) -> bool {
        self.recent
            .lock()
            .expect("replica lock")
            .get(&account_id)
            .is_some_and(|t| t.elapsed() < self.sticky)
    }

    /// A usable replica, taking turns; none if every one is down or behind.
    fn pick(&self) -> Option<AnyPool> {
        let n = self.list.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..n)
            .map(|k| &self.list[(start + k) % n])
            .find(|r| *r.usable.lock().expect("replica lock"))
            .map(|r| r.pool.clone())
    }
}

/// How far a replica has replayed; None if it does not answer or is not a replica. In a
/// transaction, so that behind a transaction pooler both round trips of the statement reach
/// the same server session.
async fn replayed(pool: &AnyPool) -> Option<i64> {
    let mut tx = pool.begin().await.ok()?;
    let (lsn,): (Option<i64>,) =
        crate::db::query_as("SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint")
            .fetch_one(&mut *tx)
            .await
            .ok()?;
    tx.commit().await.ok()?;
    lsn
}

/// `postgres://user@host:port/db?…` → `host:port/db`.
fn label_of(url: &str) -> String {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let rest = rest.rsplit_once('@').map(|(_, r)| r).unwrap_or(rest);
    rest.split('?').next().unwrap_or(rest).to_string()
}

/// How old a replica that has replayed up to `replayed` is, given the primary's samples
/// (oldest first; the newest taken by the check asking) and the time now: the age of the newest
/// sample it has reached, nothing if it has reached the sample just taken.
pub fn lag_of(samples: &VecDeque<(Instant, i64)>, replayed: i64, now: Instant) -> Option<Duration> {
    samples
        .iter()
        .rev()
        .find(|(_, lsn)| *lsn <= replayed)
        .map(|(t, _)| {
            if samples.back().is_some_and(|(_, l)| *l <= replayed) {
                Duration::ZERO
            } else {
                now.duration_since(*t)
            }
        })
}

impl Db {
    /// Reads of `account_id` for pages that may be a little behind (dashboards, reports,
    /// exports, the indicators API): on a usable replica unless the account wrote lately.
    /// Writes through the result still go to the primary.
    pub fn reader(&self, account_id: i64) -> Db {
        if self.replicas.is_empty() || self.replicas.wrote_lately(account_id) {
            return self.clone();
        }
        match self.replicas.pick() {
            Some(pool) => Db {
                pool,
                ..self.clone()
            },
            None => self.clone(),
        }
    }

    /// Records that `account_id` just changed something: its reads stay on the primary a while.
    pub fn note_write(&self, account_id: i64) {
        if !self.replicas.is_empty() {
            self.replicas.note_write(account_id);
        }
    }

    /// Checks every replica's distance behind the primary and marks which may serve reads.
    pub async fn check_replicas(&self) -> Vec<ReplicaState> {
        let r = &self.replicas;
        if r.is_empty() {
            return Vec::new();
        }
        let now = Instant::now();
        let sampled = tokio::time::timeout(
            Duration::from_secs(ANSWER_SECS),
            self.scalar_i64("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint", &[]),
        )
        .await;
        match sampled {
            Ok(Ok(lsn)) => {
                let mut samples = r.samples.lock().expect("replica lock");
                samples.push_back((now, lsn));
                // Keep what can still tell a usable replica's age, and one sample older.
                while samples.len() > 2
                    && samples
                        .get(1)
                        .is_some_and(|(t, _)| now.duration_since(*t) > r.max_lag)
                {
                    samples.pop_front();
                }
            }
            // Without a fresh position of the primary no replica can be judged: all are
            // skipped until the primary answers again.
            failed => {
                if let Ok(Err(e)) = failed {
                    e.log();
                }
                return r
                    .list
                    .iter()
                    .map(|replica| {
                        *replica.usable.lock().expect("replica lock") = false;
                        ReplicaState {
                            label: replica.label.clone(),
                            lag: None,
                            usable: false,
                        }
                    })
                    .collect();
            }
        }
        let mut out = Vec::new();
        for replica in &r.list {
            let replayed: Option<i64> =
                tokio::time::timeout(Duration::from_secs(ANSWER_SECS), replayed(&replica.pool))
                    .await
                    .ok()
                    .flatten();
            let lag = replayed.and_then(|lsn| {
                lag_of(
                    &r.samples.lock().expect("replica lock"),
                    lsn,
                    Instant::now(),
                )
            });
            let usable = lag.is_some_and(|l| l <= r.max_lag);
            let mut was = replica.usable.lock().expect("replica lock");
            if *was != usable {
                tracing::warn!(replica = %replica.label, usable, lag_ms = lag.map(|l| l.as_millis() as u64), "replica state changed");
            }
            *was = usable;
            out.push(ReplicaState {
                label: replica.label.clone(),
                lag,
                usable,
            });
        }
        out
    }

    /// Checks the replicas every second, for as long as the server runs.
    pub fn watch_replicas(&self) {
        if self.replicas.is_empty() {
            return;
        }
        let db = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                db.check_replicas().await;
            }
        });
    }

    /// The same database with these replicas for `reader`.
    pub fn with_replicas(mut self, replicas: Replicas) -> Db {
        self.replicas = std::sync::Arc::new(replicas);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replica_is_as_old_as_the_newest_sample_it_reached() {
        let t0 = Instant::now();
        let s: VecDeque<(Instant, i64)> = [
            (t0, 100),
            (t0 + Duration::from_secs(1), 200),
            (t0 + Duration::from_secs(2), 300),
        ]
        .into();
        let now = t0 + Duration::from_secs(3);
        assert_eq!(lag_of(&s, 300, now), Some(Duration::ZERO));
        assert_eq!(lag_of(&s, 350, now), Some(Duration::ZERO));
        assert_eq!(lag_of(&s, 250, now), Some(Duration::from_secs(2)));
        assert_eq!(lag_of(&s, 100, now), Some(Duration::from_secs(3)));
        assert_eq!(lag_of(&s, 99, now), None);
    }

    #[test]
    fn the_label_keeps_no_credentials() {
        assert_eq!(
            label_of("postgres://u:secret@10.0.0.2:5433/cds?sslmode=prefer"),
            "10.0.0.2:5433/cds"
        );
    }
}
