//! Embedded migrations, one folder per database, applied in order at start.

use super::{Backend, Db};
use crate::error::Result;

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

macro_rules! migration {
    ($version:expr, $file:literal) => {
        Migration {
            version: $version,
            name: $file,
            sqlite: include_str!(concat!("../../migrations/sqlite/", $file)),
            postgres: include_str!(concat!("../../migrations/postgres/", $file)),
        }
    };
}

const MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_init.sql"),
    migration!(2, "0002_services.sql"),
    migration!(3, "0003_field.sql"),
    migration!(4, "0004_plan.sql"),
    migration!(5, "0005_reports.sql"),
    migration!(6, "0006_tokens.sql"),
    migration!(7, "0007_commune_reports.sql"),
    migration!(8, "0008_scoring.sql"),
    migration!(9, "0009_field_changes.sql"),
    migration!(10, "0010_activity_counts.sql"),
    migration!(11, "0011_commune_versions.sql"),
    migration!(12, "0012_login_addresses.sql"),
    migration!(13, "0013_accounts_web.sql"),
    migration!(14, "0014_consents.sql"),
    migration!(15, "0015_commune_services.sql"),
    migration!(16, "0016_funding.sql"),
    migration!(17, "0017_trainings.sql"),
    migration!(18, "0018_guides.sql"),
    migration!(19, "0019_businesses.sql"),
    migration!(20, "0020_field_held.sql"),
    migration!(21, "0021_field_held_early.sql"),
    migration!(22, "0022_keys_per_statement.sql"),
    migration!(23, "0023_field_held_statement.sql"),
    migration!(24, "0024_first_help.sql"),
];

impl Db {
    /// Applies every migration not yet applied; returns how many ran.
    pub async fn migrate(&self) -> Result<usize> {
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .execute(&self.pool)
        .await?;
        let done: Vec<(i64,)> = self
            .fetch_all("SELECT version FROM schema_migrations", &[])
            .await?;
        let mut ran = 0;
        for m in MIGRATIONS {
            if done.iter().any(|(v,)| *v == m.version) {
                continue;
            }
            let sql = match self.backend {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            let mut tx = self.pool.begin().await?;
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
            crate::db::query(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(m.version)
            .bind(m.name.to_string())
            .bind(super::now())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            tracing::info!(version = m.version, name = m.name, "migration applied");
            ran += 1;
        }
        Ok(ran)
    }

    pub async fn schema_version(&self) -> Result<i64> {
        self.scalar_i64(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )
        .await
    }
}
