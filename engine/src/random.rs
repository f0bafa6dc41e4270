//! Randomness as an input: the trait the evaluator draws from, and a seeded,
//! reproducible source for tests, previews and the browser.

/// A source of random 64-bit words. The server supplies the operating
/// system's cryptographic generator (RandomString makes initial passwords);
/// tests and previews supply [`SeededRandom`] so results are reproducible.
pub trait RandomSource {
    fn next_u64(&mut self) -> u64;

    /// A uniformly distributed number below `bound` (which must not be 0),
    /// without modulo bias.
    fn below(&mut self, bound: u64) -> u64 {
        let bound = bound.max(1);
        let zone = u64::MAX - (u64::MAX % bound);
        loop {
            let x = self.next_u64();
            if x < zone {
                return x % bound;
            }
        }
    }
}

/// SplitMix64: small, fast and fully determined by its seed. Not for secrets.
#[derive(Debug, Clone)]
pub struct SeededRandom {
    state: u64,
}

impl SeededRandom {
    pub fn new(seed: u64) -> Self {
        SeededRandom { state: seed }
    }
}

impl Default for SeededRandom {
    fn default() -> Self {
        SeededRandom::new(0x005E_ED0F_9A0B_1510)
    }
}

impl RandomSource for SeededRandom {
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_sequence() {
        let (mut a, mut b) = (SeededRandom::new(7), SeededRandom::new(7));
        assert_eq!(a.next_u64(), b.next_u64());
        assert_ne!(SeededRandom::new(8).next_u64(), SeededRandom::new(7).next_u64());
    }

    #[test]
    fn below_stays_below() {
        let mut r = SeededRandom::new(1);
        assert!((0..1000).all(|_| r.below(7) < 7));
        assert_eq!(r.below(0), 0);
    }
}
