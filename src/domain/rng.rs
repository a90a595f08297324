//! A small, fast, well-mixed generator (SplitMix64): plenty for shuffling
//! quiz questions and for generating test organisations, and reproducible
//! from its seed. Quiz attempts store their seed, so this sequence must
//! never change: the test below pins it.

pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// Fisher–Yates, from the back.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            v.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sequence_is_splitmix64_and_never_changes() {
        let mut r = SplitMix64::new(1234567);
        assert_eq!(r.next_u64(), 6457827717110365317);
        assert_eq!(r.next_u64(), 3203168211198807973);
        let mut v: Vec<u32> = (0..8).collect();
        SplitMix64::new(7).shuffle(&mut v);
        assert_eq!(v, [1, 4, 5, 2, 6, 0, 3, 7]);
        assert_eq!(SplitMix64::new(3).below(0), 0);
        let mut r = SplitMix64::new(9);
        assert!((0..100)
            .map(|_| r.range(-2, 6))
            .all(|x| (-2..=6).contains(&x)));
    }
}
