//! FNV-1a, 64 bits: MX Lab's one stable hash of bytes.
//!
//! The same bytes give the same hash on every platform (native and wasm32)
//! and in every run, which is what MX Lab needs it for: names of random
//! streams, trace hashes, MIME boundaries derived from a Message-ID. It is
//! not a cryptographic hash, nor a defence against hash flooding.
//!
//! [`fnv1a64`] hashes one slice; [`Fnv1a64`] is fed in pieces (and, as an
//! [`std::io::Write`], can have JSON streamed into it). Both give the same
//! value for the same bytes, however they are split.

/// The FNV-1a 64-bit offset basis: the hash of no bytes.
const FNV1A64_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// The FNV-1a 64-bit prime.
const FNV1A64_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a, 64 bits, of `bytes`.
///
/// ```
/// use mxlab_proto::hash::fnv1a64;
/// assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
/// assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
/// ```
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h = Fnv1a64::new();
    h.write(bytes);
    h.finish()
}

/// FNV-1a, 64 bits, fed in pieces: [`Fnv1a64::write`] any number of times,
/// then [`Fnv1a64::finish`]. Writing `a` then `b` gives the hash of `a`
/// followed by `b` (there is no separator: write one if the pieces must be
/// told apart).
///
/// It deliberately does not implement [`core::hash::Hasher`], whose integer
/// methods write native-endian bytes: only bytes go in, so the value is the
/// same on every platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fnv1a64(u64);

impl Fnv1a64 {
    /// A hasher that has seen no bytes yet.
    pub const fn new() -> Self {
        Fnv1a64(FNV1A64_OFFSET)
    }

    /// Feeds `bytes` in.
    pub fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(FNV1A64_PRIME);
        }
    }

    /// The hash of every byte written so far.
    pub const fn finish(&self) -> u64 {
        self.0
    }
}

impl Default for Fnv1a64 {
    fn default() -> Self {
        Self::new()
    }
}

/// Writing into the hasher never fails: JSON (or any serializer that
/// writes to an `io::Write`) can be hashed without being kept.
impl std::io::Write for Fnv1a64 {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Fnv1a64::write(self, buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        // The FNV reference test vectors, 64-bit FNV-1a.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn io_write_is_the_same_hash() {
        use std::io::Write as _;
        let mut h = Fnv1a64::default();
        let (a, b) = ("foo", 42);
        write!(h, "{a}-{b}").unwrap();
        assert_eq!(h.finish(), fnv1a64(b"foo-42"));
    }

    proptest! {
        #[test]
        fn pieces_hash_like_the_whole(bytes in proptest::collection::vec(any::<u8>(), 0..256),
                                      cut in any::<prop::sample::Index>()) {
            let at = cut.index(bytes.len() + 1);
            let mut h = Fnv1a64::new();
            h.write(&bytes[..at]);
            h.write(&bytes[at..]);
            prop_assert_eq!(h.finish(), fnv1a64(&bytes));
        }
    }
}
