//! A byte trie for anchored, ASCII-case-insensitive lookups of many short strings.
//!
//! The engine's literal triggers and the dictionaries' word lists are only ever asked
//! "which entries start exactly here?" — at a word start, or at a capitalised word. An
//! Aho-Corasick automaton answers that too, but it either scans every byte with a state
//! machine (unanchored) or pays a per-call set-up that dwarfs the two or three bytes an
//! anchored lookup walks. A plain trie walked from the position answers in a few loads.
//!
//! Entries match ASCII-case-insensitively (bytes >= 0x80 compare exactly), as
//! `AhoCorasickBuilder::ascii_case_insensitive` does.

use std::collections::BTreeMap;

/// Largest dense table (entries) a trie keeps.
const DENSE_MAX: usize = 1 << 16;

/// Node 0 is the root; a child id of 0 means "no such child". Small tries (the literal
/// triggers) keep a dense table over byte classes, one load per byte; large ones (the word
/// lists) keep sorted edge lists below the dense root.
pub struct Trie {
    /// Byte → class (0: in no entry); ASCII upper case maps to its lower-case class.
    class: [u8; 256],
    classes: usize,
    /// `dense[node * classes + class]`: the child, when the trie is small.
    dense: Vec<u32>,
    /// Children of the root, by lower-cased byte.
    root: Box<[u32; 256]>,
    /// Edges of node i: `edge_byte[edge_at[i]..edge_at[i + 1]]`, sorted, and their targets.
    edge_at: Vec<u32>,
    edge_byte: Vec<u8>,
    edge_node: Vec<u32>,
    /// Values of the entries ending at node i: `values[value_at[i]..value_at[i + 1]]`.
    value_at: Vec<u32>,
    values: Vec<u32>,
}

impl Trie {
    /// Builds a trie of `(entry, value)` pairs; empty entries are ignored.
    pub fn new<'a>(entries: impl IntoIterator<Item = (&'a [u8], u32)>) -> Trie {
        let mut children: Vec<BTreeMap<u8, u32>> = vec![BTreeMap::new()];
        let mut vals: Vec<Vec<u32>> = vec![Vec::new()];
        for (entry, value) in entries {
            if entry.is_empty() {
                continue;
            }
            let mut node = 0usize;
            for &b in entry {
                let b = b.to_ascii_lowercase();
                let next = children.len() as u32;
                let child = *children[node].entry(b).or_insert(next);
                if child == next {
                    children.push(BTreeMap::new());
                    vals.push(Vec::new());
                }
                node = child as usize;
            }
            if !vals[node].contains(&value) {
                vals[node].push(value);
            }
        }
        let mut root = Box::new([0u32; 256]);
        for (&b, &c) in &children[0] {
            root[b as usize] = c;
            if b.is_ascii_lowercase() {
                root[b.to_ascii_uppercase() as usize] = c;
            }
        }
        let (mut edge_at, mut edge_byte, mut edge_node) = (vec![0u32], Vec::new(), Vec::new());
        let (mut value_at, mut values) = (vec![0u32], Vec::new());
        for (ch, v) in children.iter().zip(&vals) {
            for (&b, &c) in ch {
                edge_byte.push(b);
                edge_node.push(c);
            }
            edge_at.push(edge_byte.len() as u32);
            values.extend_from_slice(v);
            value_at.push(values.len() as u32);
        }
        let mut class = [0u8; 256];
        let mut classes = 1usize;
        for &b in &edge_byte {
            if class[b as usize] == 0 && classes < 256 {
                class[b as usize] = classes as u8;
                class[b.to_ascii_uppercase() as usize] = classes as u8;
                classes += 1;
            }
        }
        let mut dense = Vec::new();
        if classes < 256 && children.len() * classes <= DENSE_MAX {
            dense = vec![0u32; children.len() * classes];
            for (n, ch) in children.iter().enumerate() {
                for (&b, &c) in ch {
                    dense[n * classes + class[b as usize] as usize] = c;
                }
            }
        }
        Trie { class, classes, dense, root, edge_at, edge_byte, edge_node, value_at, values }
    }

    /// The child of `node` for byte `b`, or 0.
    #[inline(always)]
    fn step(&self, node: u32, b: u8) -> u32 {
        if !self.dense.is_empty() {
            return self.dense[node as usize * self.classes + self.class[b as usize] as usize];
        }
        if node == 0 {
            return self.root[b as usize];
        }
        let b = b.to_ascii_lowercase();
        let (lo, hi) = (self.edge_at[node as usize] as usize, self.edge_at[node as usize + 1] as usize);
        match self.edge_byte[lo..hi].binary_search(&b) {
            Ok(k) => self.edge_node[lo + k],
            Err(_) => 0,
        }
    }

    /// Walks `hay` from `start` and calls `f(value, end)` for every entry it starts with —
    /// the same as `for_each_prefix`, written as a tight loop for the hot literal pass.
    #[inline(always)]
    pub fn walk(&self, hay: &[u8], start: usize, mut f: impl FnMut(u32, usize)) {
        if self.dense.is_empty() {
            return self.for_each_prefix(hay, start, f);
        }
        let (dense, class, k) = (&self.dense[..], &self.class, self.classes);
        let mut node = 0usize;
        let mut j = start;
        while j < hay.len() {
            node = dense[node * k + class[hay[j] as usize] as usize] as usize;
            if node == 0 {
                return;
            }
            j += 1;
            let (lo, hi) = (self.value_at[node] as usize, self.value_at[node + 1] as usize);
            for &v in &self.values[lo..hi] {
                f(v, j);
            }
        }
    }

    #[inline(always)]
    fn values_of(&self, node: u32) -> &[u32] {
        &self.values[self.value_at[node as usize] as usize..self.value_at[node as usize + 1] as usize]
    }

    /// Calls `f(value, end)` for every entry that `hay[start..]` starts with, shortest first.
    #[inline]
    pub fn for_each_prefix(&self, hay: &[u8], start: usize, mut f: impl FnMut(u32, usize)) {
        let mut node = 0u32;
        for (i, &b) in hay[start..].iter().enumerate() {
            node = self.step(node, b);
            if node == 0 {
                return;
            }
            for &v in self.values_of(node) {
                f(v, start + i + 1);
            }
        }
    }

    /// End of the longest entry that `hay[start..]` starts with.
    pub fn longest_prefix(&self, hay: &[u8], start: usize) -> Option<usize> {
        let mut node = 0u32;
        let mut best = None;
        for (i, &b) in hay[start..].iter().enumerate() {
            node = self.step(node, b);
            if node == 0 {
                break;
            }
            if self.value_at[node as usize] != self.value_at[node as usize + 1] {
                best = Some(start + i + 1);
            }
        }
        best
    }

    /// Whether `hay[start..end]` is exactly one entry.
    pub fn is_entry(&self, hay: &[u8], start: usize, end: usize) -> bool {
        if start >= end {
            return false;
        }
        let mut node = 0u32;
        for &b in &hay[start..end] {
            node = self.step(node, b);
            if node == 0 {
                return false;
            }
        }
        self.value_at[node as usize] != self.value_at[node as usize + 1]
    }
}

#[cfg(test)]
mod tests {
    use super::Trie;

    #[test]
    fn anchored_case_insensitive_lookups() {
        let words: [&[u8]; 4] = [b"Ann", b"anna", b"key", "märz".as_bytes()];
        let t = Trie::new(words.iter().enumerate().map(|(i, w)| (*w, i as u32)));
        assert_eq!(t.longest_prefix(b"ANNA-Lena", 0), Some(4));
        assert_eq!(t.longest_prefix(b"xAnn", 1), Some(4));
        assert_eq!(t.longest_prefix(b"An", 0), None);
        assert!(t.is_entry(b"the KEY", 4, 7));
        assert!(!t.is_entry(b"keys", 0, 4));
        assert!(!t.is_entry("MÄRZ".as_bytes(), 0, 5));
        assert!(t.is_entry("MärZ".as_bytes(), 0, 5));
        let mut seen = Vec::new();
        t.for_each_prefix(b"annabel", 0, |v, e| seen.push((v, e)));
        assert_eq!(seen, vec![(0, 3), (1, 4)]);
    }
}
