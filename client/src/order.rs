//! Sorting with one copy of the standard library's sort in the page.
//!
//! Every `sort_by` on another element type or comparator compiles the whole
//! stable sort again: about 4 KB of wasm each (twiggy counted six in the
//! client). These sort the positions (`u32`) with the comparator behind
//! `dyn`, which is one instantiation for all of them, then move the
//! elements into that order. Same result as `slice::sort_by`: stable.

use std::cmp::Ordering;

/// Sorts `v` stably by `cmp`, as `v.sort_by(cmp)` would.
pub fn sort_by<T>(v: &mut Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) {
    let order = {
        let v = &*v;
        positions(v.len(), &|a, b| cmp(&v[a], &v[b]))
    };
    let mut slots: Vec<Option<T>> = v.drain(..).map(Some).collect();
    v.extend(order.into_iter().map(|i| slots[i as usize].take().expect("a position is taken once")));
}

/// Sorts `v` stably by the key `key` gives, as `v.sort_by_key(key)` would.
pub fn sort_by_key<T, K: Ord>(v: &mut Vec<T>, key: impl Fn(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// The positions `0..len` in the order `cmp` puts them: the client's only
/// instantiation of the standard sort (`msnp` keeps its own two).
fn positions(len: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<u32> {
    let len = u32::try_from(len).expect("fewer than 2^32 things to sort");
    let mut order: Vec<u32> = (0..len).collect();
    order.sort_by(|&a, &b| cmp(a as usize, b as usize));
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn sorts_as_the_standard_sort_does_and_keeps_equal_elements_in_order() {
        // Pairs compared by the first only: stability shows in the second.
        let mut seed = 7u32;
        let mut v: Vec<(u8, u32)> = (0..500)
            .map(|i| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                ((seed >> 16) as u8 % 13, i)
            })
            .collect();
        let mut expected = v.clone();
        expected.sort_by_key(|a| a.0);
        sort_by(&mut v, |a, b| a.0.cmp(&b.0));
        assert_eq!(v, expected);
    }

    #[test]
    fn sorts_owned_values_by_key_and_handles_the_empty_and_single() {
        let mut v = vec!["pear".to_owned(), "fig".to_owned(), "apple".to_owned()];
        sort_by_key(&mut v, String::len);
        assert_eq!(v, ["fig", "pear", "apple"]);
        let mut empty: Vec<String> = Vec::new();
        sort_by(&mut empty, Ord::cmp);
        assert!(empty.is_empty());
        let mut one = vec![1];
        sort_by(&mut one, |a, b| b.cmp(a));
        assert_eq!(one, [1]);
    }
}
