//! Each commune's share of a province's figures, kept between requests while the commune's
//! version holds. Migration 0011 raises a commune's version in the writing transaction of every
//! write to a table the figures read, so an entry whose version still matches is exactly what
//! a fresh read would give: a province read recomputes only the communes written since, and
//! never serves a figure older than the last write. (No nightly job, no time to live.)
//!
//! The versions are read before the data: an entry may then hold data newer than its version
//! (it is recomputed once more at the next request), never older.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Past this many entries the cache starts over: a province of a hundred communes asked for
/// every period of two years holds a few thousand, so this bounds memory, not normal use.
const MAX_ENTRIES: usize = 20_000;

type Value = Arc<dyn Any + Send + Sync>;

/// Commune → (its version when computed, the value).
type Shares = HashMap<i64, (i64, Value)>;

/// The values still valid, by commune, and the communes to compute again with their version.
pub type Lookup<T> = (HashMap<i64, Arc<T>>, Vec<(i64, i64)>);

#[derive(Default)]
pub struct FigureCache {
    /// What was computed (the kind, the period, the day, the metrics) → each commune's share.
    entries: Mutex<HashMap<String, Shares>>,
}

impl FigureCache {
    /// The values of `key` for communes whose version is unchanged, and the communes (with
    /// their version now) that must be computed again.
    pub fn lookup<T: Any + Send + Sync>(&self, key: &str, versions: &[(i64, i64)]) -> Lookup<T> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let kept = entries.get(key);
        let mut found = HashMap::new();
        let mut stale = Vec::new();
        for &(commune, version) in versions {
            let hit = kept
                .and_then(|k| k.get(&commune))
                .filter(|(v, _)| *v == version)
                .and_then(|(_, value)| value.clone().downcast::<T>().ok());
            match hit {
                Some(value) => {
                    found.insert(commune, value);
                }
                None => stale.push((commune, version)),
            }
        }
        (found, stale)
    }

    /// Keeps `value` as the commune's share of `key` at `version`.
    pub fn put<T: Any + Send + Sync>(
        &self,
        key: &str,
        commune: i64,
        version: i64,
        value: T,
    ) -> Arc<T> {
        let value = Arc::new(value);
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let held: usize = entries.values().map(HashMap::len).sum();
        if held >= MAX_ENTRIES {
            entries.clear();
        }
        entries
            .entry(key.to_string())
            .or_default()
            .insert(commune, (version, value.clone() as Value));
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_serves_only_its_own_version() {
        let cache = FigureCache::default();
        cache.put("k", 1, 7, 70_i64);
        cache.put("k", 2, 3, 30_i64);
        let (found, stale) = cache.lookup::<i64>("k", &[(1, 7), (2, 4), (3, 1)]);
        assert_eq!(found.len(), 1);
        assert_eq!(*found[&1], 70);
        assert_eq!(stale, vec![(2, 4), (3, 1)]);
        // Another key (period, day, metrics) shares nothing.
        let (found, stale) = cache.lookup::<i64>("other", &[(1, 7)]);
        assert!(found.is_empty());
        assert_eq!(stale, vec![(1, 7)]);
    }

    #[test]
    fn it_starts_over_when_full() {
        let cache = FigureCache::default();
        for c in 0..MAX_ENTRIES as i64 {
            cache.put("k", c, 1, c);
        }
        cache.put("k2", 0, 1, 0_i64);
        let held: usize = cache
            .entries
            .lock()
            .unwrap()
            .values()
            .map(HashMap::len)
            .sum();
        assert_eq!(held, 1);
    }
}
