//! Seeded randomness: one ChaCha stream per host, per link and per concern,
//! all forked from the world seed. Never an OS random source.

use rand_chacha::ChaCha12Rng;
use rand_core::{RngCore, SeedableRng};

/// FNV-1a, 64 bits: the stable hash that names RNG streams (and hashes
/// the trace), MX Lab's one, from the protocol core.
pub use mxlab_proto::hash::fnv1a64;

/// A deterministic random stream (ChaCha12), identical on every platform.
///
/// Each host and link gets its own stream, forked from the world seed by
/// name ([`SimRng::fork`]), so adding a host does not change the draws of
/// the others.
#[derive(Debug, Clone)]
pub struct SimRng(ChaCha12Rng);

impl SimRng {
    /// The world stream of a run (the MX selection tests draw from it).
    #[cfg(test)]
    pub fn world(seed: u64) -> Self {
        SimRng(ChaCha12Rng::seed_from_u64(seed))
    }

    /// The stream named `label` (for example `"host:mx1.example.org"` or
    /// `"link:a|b"`) of the world with this seed.
    pub fn fork(seed: u64, label: &str) -> Self {
        let mut rng = ChaCha12Rng::seed_from_u64(seed);
        rng.set_stream(fnv1a64(label.as_bytes()));
        SimRng(rng)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A uniform integer in `0..n` (0 when `n` is 0), without modulo bias.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        // Rejection sampling on the largest multiple of n.
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let v = self.next_u64();
            if v < zone {
                return v % n;
            }
        }
    }

    /// A uniform float in `[0, 1)` from 53 random bits.
    pub fn unit(&mut self) -> f64 {
        // 53 bits fit exactly in an f64 mantissa: the same value everywhere.
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p` (clamped to `[0, 1]`).
    pub fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            false
        } else if p >= 1.0 {
            true
        } else {
            self.unit() < p
        }
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        let mut i = items.len();
        while i > 1 {
            let j = self.below(i as u64) as usize;
            i -= 1;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let mut a = SimRng::fork(7, "host:mx1");
        let mut b = SimRng::fork(7, "host:mx1");
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn forks_are_independent() {
        let mut a = SimRng::fork(7, "host:mx1");
        let mut b = SimRng::fork(7, "host:mx2");
        let mut w = SimRng::world(7);
        let (x, y, z) = (a.next_u64(), b.next_u64(), w.next_u64());
        assert_ne!(x, y);
        assert_ne!(x, z);
    }

    const PINNED_SEED0_FIRST: u64 = 0xbb2a_3fb2_cd2c_6f7f;

    #[test]
    fn stream_is_portable() {
        // The first draw of seed 0 is fixed forever: a change here breaks
        // every recorded trace hash.
        let mut w = SimRng::world(0);
        let first = w.next_u64();
        println!("first draw of seed 0: {first:#018x}");
        assert_eq!(first, PINNED_SEED0_FIRST);
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn below_and_chance_stay_in_range() {
        let mut r = SimRng::world(1);
        for n in 1..50 {
            assert!(r.below(n) < n);
        }
        assert_eq!(r.below(0), 0);
        assert!(!r.chance(0.0));
        assert!(r.chance(1.0));
        let u = r.unit();
        assert!((0.0..1.0).contains(&u));
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut r = SimRng::world(3);
        let mut v: Vec<u32> = (0..20).collect();
        r.shuffle(&mut v);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..20).collect::<Vec<_>>());
    }
}
