//! Randomness from the operating system (getrandom): instance ids, the seed
//! of command-line evaluations, and the random source every server-side
//! evaluation draws from (RandomString makes initial passwords, Guid object
//! ids: neither may be predictable).

use provisio_engine::random::RandomSource;

use crate::ServerError;

/// One random word from the operating system.
pub fn random_u64() -> Result<u64, ServerError> {
    getrandom::u64().map_err(|e| ServerError::Random(e.to_string()))
}

/// `bytes` random bytes from the operating system as lowercase hex.
pub fn random_hex(bytes: usize) -> Result<String, ServerError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| ServerError::Random(e.to_string()))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// The engine's [`RandomSource`] backed by the operating system's
/// cryptographic generator. Words are drawn 32 at a time to spare system
/// calls; a failing generator aborts rather than hand out predictable
/// values (the engine's trait cannot report a failure, and getrandom only
/// fails when the system has no usable generator at all).
#[derive(Debug)]
pub struct OsRandom {
    buffer: [u64; 32],
    next: usize,
}

impl OsRandom {
    pub fn new() -> OsRandom {
        OsRandom {
            buffer: [0; 32],
            next: 32,
        }
    }
}

impl Default for OsRandom {
    fn default() -> OsRandom {
        OsRandom::new()
    }
}

impl RandomSource for OsRandom {
    fn next_u64(&mut self) -> u64 {
        if self.next >= self.buffer.len() {
            let mut bytes = [0u8; 256];
            if let Err(e) = getrandom::fill(&mut bytes) {
                panic!("the operating system's random generator failed: {e}");
            }
            for (word, chunk) in self.buffer.iter_mut().zip(bytes.chunks_exact(8)) {
                let mut eight = [0u8; 8];
                eight.copy_from_slice(chunk);
                *word = u64::from_le_bytes(eight);
            }
            self.next = 0;
        }
        let word = self.buffer.get(self.next).copied().unwrap_or_default();
        self.next += 1;
        word
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_has_two_lowercase_digits_per_byte_and_differs_each_time() {
        let (a, b) = (random_hex(16).unwrap(), random_hex(16).unwrap());
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
        assert_ne!(a, b);
    }

    #[test]
    fn words_differ() {
        assert_ne!(random_u64().unwrap(), random_u64().unwrap());
    }

    #[test]
    fn two_os_sources_and_successive_refills_differ() {
        let (mut a, mut b) = (OsRandom::new(), OsRandom::new());
        let first: Vec<u64> = (0..40).map(|_| a.next_u64()).collect();
        let second: Vec<u64> = (0..40).map(|_| b.next_u64()).collect();
        assert_ne!(first, second);
        // Past the first refill the words keep coming, and not as zeros.
        assert!(first.iter().skip(32).any(|w| *w != 0));
        let distinct: std::collections::HashSet<_> = first.iter().collect();
        assert_eq!(distinct.len(), first.len());
    }
}
