-- Tập huấn (issue 20): the teams' training sessions, who attended them, and the members'
-- own digital-skills certificate (binhdanhocvuso.gov.vn). Topics are data: the plan's list
-- for every commune (commune_id NULL), and a commune's own.

CREATE TABLE training_topics (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER REFERENCES areas(id),
    code TEXT,
    name TEXT NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1
);
INSERT INTO training_topics (code, name, sort_order) VALUES
    ('policies', 'Chủ trương, chính sách về chuyển đổi số', 1),
    ('province_app', 'Ứng dụng của tỉnh và các tính năng', 2),
    ('public_services', 'Dịch vụ công trực tuyến và chữ ký số', 3),
    ('platforms', 'Các nền tảng số', 4),
    ('data_safety', 'An toàn thông tin, bảo vệ dữ liệu cá nhân', 5),
    ('digital_skills', 'Kỹ năng số trên binhdanhocvuso.gov.vn', 6);

CREATE TABLE trainings (
    id INTEGER PRIMARY KEY,
    commune_id INTEGER NOT NULL REFERENCES areas(id),
    topic_id INTEGER NOT NULL REFERENCES training_topics(id),
    held_on TEXT NOT NULL,
    organiser TEXT NOT NULL CHECK (organiser IN ('department', 'telecom', 'post', 'youth_union', 'commune', 'other')),
    organiser_name TEXT,
    method TEXT NOT NULL CHECK (method IN ('hands_on', 'in_person', 'online')),
    place TEXT,
    trainer TEXT,
    notes TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX trainings_commune ON trainings(commune_id, held_on);

-- An attendee is a team member or an official (an account of the commune).
CREATE TABLE training_attendees (
    id INTEGER PRIMARY KEY,
    training_id INTEGER NOT NULL REFERENCES trainings(id),
    commune_id INTEGER NOT NULL,
    member_id INTEGER REFERENCES members(id),
    account_id INTEGER REFERENCES accounts(id),
    attended INTEGER NOT NULL DEFAULT 1,
    result TEXT CHECK (result IS NULL OR result IN ('passed', 'certificate')),
    CHECK ((member_id IS NULL) <> (account_id IS NULL))
);
CREATE UNIQUE INDEX training_attendees_member ON training_attendees(training_id, member_id) WHERE member_id IS NOT NULL;
CREATE UNIQUE INDEX training_attendees_account ON training_attendees(training_id, account_id) WHERE account_id IS NOT NULL;
CREATE INDEX training_attendees_of_member ON training_attendees(member_id);

ALTER TABLE members ADD COLUMN digital_skills_on TEXT;

-- The indicators will read trainings (members trained): their writes raise the commune's
-- version like the other tables the indicators read (0011).
CREATE TRIGGER commune_versions_trainings_ins AFTER INSERT ON trainings BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT NEW.commune_id, 0
    WHERE NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = NEW.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = NEW.commune_id;
END;
CREATE TRIGGER commune_versions_trainings_upd AFTER UPDATE ON trainings BEGIN
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = NEW.commune_id;
END;
CREATE TRIGGER commune_versions_training_attendees_ins AFTER INSERT ON training_attendees BEGIN
    INSERT INTO commune_versions (commune_id, version) SELECT NEW.commune_id, 0
    WHERE NOT EXISTS (SELECT 1 FROM commune_versions WHERE commune_id = NEW.commune_id);
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = NEW.commune_id;
END;
CREATE TRIGGER commune_versions_training_attendees_upd AFTER UPDATE ON training_attendees BEGIN
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = NEW.commune_id;
END;
CREATE TRIGGER commune_versions_training_attendees_del AFTER DELETE ON training_attendees BEGIN
    UPDATE commune_versions SET version = version + 1 WHERE commune_id = OLD.commune_id;
END;
