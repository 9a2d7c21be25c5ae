//! A small bounded map that forgets its least recently used entry when full: every
//! cache of an [`crate::Engine`] (the CPU compile cache, the PTX cache, each device's
//! loaded-module cache) and each kernel's cache of specializations keep at most their
//! configured capacity. Evicting scans the entries (a few hundred at most), which is
//! nothing next to the compilation a miss costs.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;

pub(crate) struct Lru<K, V> {
    map: HashMap<K, (V, u64)>,
    /// Incremented on every use; an entry's stamp is the tick of its last use.
    tick: u64,
    capacity: usize,
}

impl<K: Hash + Eq + Clone, V: Clone> Lru<K, V> {
    /// An empty cache of at most `capacity` entries (at least one).
    pub(crate) fn new(capacity: usize) -> Self {
        Lru {
            map: HashMap::new(),
            tick: 0,
            capacity: capacity.max(1),
        }
    }

    /// The value of `key`, marked as just used.
    pub(crate) fn get<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.tick += 1;
        let t = self.tick;
        self.map.get_mut(key).map(|e| {
            e.1 = t;
            e.0.clone()
        })
    }

    /// Inserts `value` under `key` unless the key is present already (two threads
    /// that raced to compute it: the first one stays), evicting the least recently
    /// used entry when full. Returns the value now cached under `key`.
    pub(crate) fn insert(&mut self, key: K, value: V) -> V {
        self.tick += 1;
        let t = self.tick;
        if let Some(e) = self.map.get_mut(&key) {
            e.1 = t;
            return e.0.clone();
        }
        if self.map.len() >= self.capacity {
            let oldest = self
                .map
                .iter()
                .min_by_key(|(_, e)| e.1)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                self.map.remove(&k);
            }
        }
        self.map.insert(key, (value.clone(), t));
        value
    }

    /// Entries held now.
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::Lru;

    #[test]
    fn keeps_at_most_capacity_and_evicts_the_least_recently_used() {
        let mut c: Lru<u32, u32> = Lru::new(2);
        c.insert(1, 10);
        c.insert(2, 20);
        assert_eq!(c.get(&1), Some(10)); // 2 is now the least recently used
        c.insert(3, 30);
        assert_eq!(c.len(), 2);
        assert_eq!(c.get(&2), None);
        assert_eq!(c.get(&1), Some(10));
        assert_eq!(c.get(&3), Some(30));
    }

    #[test]
    fn a_raced_insert_keeps_the_first_value() {
        let mut c: Lru<&str, u32> = Lru::new(4);
        assert_eq!(c.insert("k", 1), 1);
        assert_eq!(c.insert("k", 2), 1);
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn capacity_zero_still_holds_one_entry() {
        let mut c: Lru<u32, u32> = Lru::new(0);
        c.insert(1, 1);
        c.insert(2, 2);
        assert_eq!(c.len(), 1);
        assert_eq!(c.get(&2), Some(2));
    }
}
