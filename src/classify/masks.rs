//! Byte classes of a value as bit masks, one bit per byte, 64 bytes to a block.
//!
//! Every prefilter pass asks the same questions of every byte: is it a digit, a letter, a
//! token byte, the first letter of a word? Asked once per pass with a branch per byte,
//! that cost more than all the regexes on short values. Here a value is classified once,
//! 16 bytes per SIMD instruction (SSE2, which every x86-64 has; other targets take a
//! scalar loop with the same result), and the passes then find word starts
//! (`x & !(x << 1)`), runs (`trailing_ones`) and counts (`count_ones`) with a few
//! instructions per 64 bytes, visiting only the bytes they care about.

/// The classes of 64 consecutive bytes; bit `j` is byte `64·k + j` of block `k`. Bytes
/// past the value's end have no class.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Block {
    /// ASCII letters and digits.
    pub alnum: u64,
    pub digit: u64,
    pub upper: u64,
    pub lower: u64,
    /// `0-9a-fA-F`.
    pub hex: u64,
    /// Bytes >= 0x80 (any part of a non-ASCII character).
    pub nonascii: u64,
    /// Upper-case ASCII letters and bytes >= 0xC3 (lead bytes of accented letters).
    pub cap: u64,
    /// Key-like token bytes: `[A-Za-z0-9+/=_-]`.
    pub token: u64,
    /// Where a digit run may start: a digit, `+` or `(`.
    pub run_start: u64,
    pub colon: u64,
    pub space: u64,
    pub dot: u64,
    /// Space, line feed or comma: what separates a house number from a street name.
    pub street_sep: u64,
    /// First bytes of the literals that do not start with a letter or digit (`@`, `://`).
    pub nonword_first: u64,
}

/// The blocks of one value.
#[derive(Default)]
pub struct Masks {
    pub blocks: Vec<Block>,
    pub len: usize,
}

/// A field of `Block`, for the passes that walk one class across blocks.
pub type Field = fn(&Block) -> u64;

impl Masks {
    /// Classifies `b`. `nonword_first` holds the first bytes of non-word literals (padded
    /// with repeats), or is `None` when there are too many to compare: then every byte that
    /// is not a letter or digit is marked.
    pub fn compute(&mut self, b: &[u8], nonword_first: Option<[u8; 4]>) {
        self.len = b.len();
        self.blocks.clear();
        let mut chunks = b.chunks_exact(64);
        for c in &mut chunks {
            let c: &[u8; 64] = c.try_into().expect("64-byte chunk");
            self.blocks.push(classify(c, nonword_first, u64::MAX));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut pad = [0u8; 64];
            pad[..rest.len()].copy_from_slice(rest);
            self.blocks.push(classify(&pad, nonword_first, (1u64 << rest.len()) - 1));
        }
    }

    /// Whether byte `i` is in the class `f`.
    #[inline(always)]
    pub fn has(&self, f: Field, i: usize) -> bool {
        i < self.len && f(&self.blocks[i / 64]) >> (i % 64) & 1 != 0
    }

    /// The first byte at or after `i` in the class `f`, or the value's length.
    #[inline(always)]
    pub fn next(&self, f: Field, i: usize) -> usize {
        let mut k = i / 64;
        if k >= self.blocks.len() {
            return self.len;
        }
        let mut m = f(&self.blocks[k]) & (u64::MAX << (i % 64));
        loop {
            if m != 0 {
                return (k * 64 + m.trailing_zeros() as usize).min(self.len);
            }
            k += 1;
            if k == self.blocks.len() {
                return self.len;
            }
            m = f(&self.blocks[k]);
        }
    }

    /// The first byte at or after `i` not in the class `f` (the end of a run), or the
    /// value's length.
    #[inline(always)]
    pub fn run_end(&self, f: Field, i: usize) -> usize {
        let mut k = i / 64;
        if k >= self.blocks.len() {
            return self.len;
        }
        let mut m = !f(&self.blocks[k]) & (u64::MAX << (i % 64));
        loop {
            if m != 0 {
                return (k * 64 + m.trailing_zeros() as usize).min(self.len);
            }
            k += 1;
            if k == self.blocks.len() {
                return self.len;
            }
            m = !f(&self.blocks[k]);
        }
    }

    /// The first byte at or after `i` in the class `f` whose previous byte is not in the
    /// class `word` (a start, as in `for_each_start`), or the value's length.
    #[inline(always)]
    pub fn next_start(&self, f: Field, word: Field, i: usize) -> usize {
        let mut k = i / 64;
        if k >= self.blocks.len() {
            return self.len;
        }
        let mut carry = if k > 0 { word(&self.blocks[k - 1]) >> 63 } else { 0 };
        let mut w = word(&self.blocks[k]);
        let mut m = f(&self.blocks[k]) & !((w << 1) | carry) & (u64::MAX << (i % 64));
        loop {
            if m != 0 {
                return (k * 64 + m.trailing_zeros() as usize).min(self.len);
            }
            k += 1;
            if k == self.blocks.len() {
                return self.len;
            }
            carry = w >> 63;
            w = word(&self.blocks[k]);
            m = f(&self.blocks[k]) & !((w << 1) | carry);
        }
    }

    /// Number of bytes in the class `f`.
    pub fn count(&self, f: Field) -> usize {
        self.blocks.iter().map(|b| f(b).count_ones() as usize).sum()
    }

    /// Calls `visit(i)` for each byte `i` in class `f` whose previous byte is not in
    /// class `word` (or that is the first byte): the starts of words, of numbers, of names.
    #[inline(always)]
    pub fn for_each_start(&self, f: Field, word: Field, mut visit: impl FnMut(usize)) {
        let mut carry = 0u64;
        for (k, blk) in self.blocks.iter().enumerate() {
            let w = word(blk);
            let mut m = f(blk) & !((w << 1) | carry);
            carry = w >> 63;
            while m != 0 {
                visit(k * 64 + m.trailing_zeros() as usize);
                m &= m - 1;
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
fn classify(c: &[u8; 64], nonword_first: Option<[u8; 4]>, valid: u64) -> Block {
    // SAFETY: SSE2 is part of the x86-64 baseline, and every load reads 16 bytes inside `c`.
    unsafe { sse2::classify(c, nonword_first, valid) }
}

#[cfg(not(target_arch = "x86_64"))]
fn classify(c: &[u8; 64], nonword_first: Option<[u8; 4]>, valid: u64) -> Block {
    scalar_classify(c, nonword_first, valid)
}

/// The byte-at-a-time classification: the reference the SIMD version is tested against,
/// and the one other targets use.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn scalar_classify(c: &[u8; 64], nonword_first: Option<[u8; 4]>, valid: u64) -> Block {
    let mut b = Block::default();
    for (j, &x) in c.iter().enumerate() {
        let bit = 1u64 << j;
        let set = |field: &mut u64, yes: bool| {
            if yes {
                *field |= bit;
            }
        };
        set(&mut b.alnum, x.is_ascii_alphanumeric());
        set(&mut b.digit, x.is_ascii_digit());
        set(&mut b.upper, x.is_ascii_uppercase());
        set(&mut b.lower, x.is_ascii_lowercase());
        set(&mut b.hex, x.is_ascii_hexdigit());
        set(&mut b.nonascii, x >= 0x80);
        set(&mut b.cap, x.is_ascii_uppercase() || x >= 0xC3);
        set(&mut b.token, x.is_ascii_alphanumeric() || matches!(x, b'+' | b'/' | b'=' | b'_' | b'-'));
        set(&mut b.run_start, x.is_ascii_digit() || x == b'+' || x == b'(');
        set(&mut b.colon, x == b':');
        set(&mut b.space, x == b' ');
        set(&mut b.dot, x == b'.');
        set(&mut b.street_sep, matches!(x, b' ' | b'\n' | b','));
        set(
            &mut b.nonword_first,
            match nonword_first {
                Some(nw) => nw.contains(&x),
                None => !x.is_ascii_alphanumeric(),
            },
        );
    }
    mask_block(b, valid)
}

/// Clears the bits of bytes past the value's end (padding).
fn mask_block(mut b: Block, valid: u64) -> Block {
    for f in [
        &mut b.alnum,
        &mut b.digit,
        &mut b.upper,
        &mut b.lower,
        &mut b.hex,
        &mut b.nonascii,
        &mut b.cap,
        &mut b.token,
        &mut b.run_start,
        &mut b.colon,
        &mut b.space,
        &mut b.dot,
        &mut b.street_sep,
        &mut b.nonword_first,
    ] {
        *f &= valid;
    }
    b
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::*;

    use super::{mask_block, Block};

    /// Bytes in `lo..lo + n` (n < 128): shifted to the bottom of the signed range so one
    /// signed compare does the unsigned range test.
    #[inline(always)]
    unsafe fn in_range(x: __m128i, lo: u8, n: u8) -> __m128i {
        let t = _mm_add_epi8(x, _mm_set1_epi8(0x80u8.wrapping_sub(lo) as i8));
        _mm_cmplt_epi8(t, _mm_set1_epi8(0x80u8.wrapping_add(n) as i8))
    }

    #[inline(always)]
    unsafe fn eq(x: __m128i, c: u8) -> __m128i {
        _mm_cmpeq_epi8(x, _mm_set1_epi8(c as i8))
    }

    #[inline(always)]
    unsafe fn bits(v: __m128i) -> u64 {
        _mm_movemask_epi8(v) as u16 as u64
    }

    #[target_feature(enable = "sse2")]
    pub(super) unsafe fn classify(c: &[u8; 64], nonword_first: Option<[u8; 4]>, valid: u64) -> Block {
        let mut b = Block::default();
        for k in 0..4 {
            let x = _mm_loadu_si128(c.as_ptr().add(16 * k) as *const __m128i);
            let sh = 16 * k;
            let digit = bits(in_range(x, b'0', 10));
            let upper = bits(in_range(x, b'A', 26));
            let lower = bits(in_range(x, b'a', 26));
            let hex_alpha = bits(in_range(_mm_or_si128(x, _mm_set1_epi8(0x20)), b'a', 6));
            let nonascii = bits(x);
            let lead = bits(in_range(x, 0xC3, 0x3D));
            let plus = bits(eq(x, b'+'));
            let punct = bits(_mm_or_si128(_mm_or_si128(eq(x, b'/'), eq(x, b'=')), _mm_or_si128(eq(x, b'_'), eq(x, b'-'))));
            let lparen = bits(eq(x, b'('));
            let colon = bits(eq(x, b':'));
            let space = bits(eq(x, b' '));
            let dot = bits(eq(x, b'.'));
            let nl_comma = bits(_mm_or_si128(eq(x, b'\n'), eq(x, b',')));
            let alnum = digit | upper | lower;
            let nonword_first = match nonword_first {
                Some(nw) => bits(_mm_or_si128(_mm_or_si128(eq(x, nw[0]), eq(x, nw[1])), _mm_or_si128(eq(x, nw[2]), eq(x, nw[3])))),
                None => !alnum & 0xFFFF,
            };
            b.alnum |= alnum << sh;
            b.digit |= digit << sh;
            b.upper |= upper << sh;
            b.lower |= lower << sh;
            b.hex |= (digit | (hex_alpha & (upper | lower))) << sh;
            b.nonascii |= nonascii << sh;
            b.cap |= (upper | lead) << sh;
            b.token |= (alnum | plus | punct) << sh;
            b.run_start |= (digit | plus | lparen) << sh;
            b.colon |= colon << sh;
            b.space |= space << sh;
            b.dot |= dot << sh;
            b.street_sep |= (space | nl_comma) << sh;
            b.nonword_first |= nonword_first << sh;
        }
        mask_block(b, valid)
    }

    #[cfg(test)]
    mod tests {
        use super::super::scalar_classify;

        #[test]
        fn simd_and_scalar_agree_on_every_byte() {
            let mut c = [0u8; 64];
            for start in (0..256).step_by(64) {
                for (j, x) in c.iter_mut().enumerate() {
                    *x = (start + j) as u8;
                }
                for nw in [None, Some([b'@', b':', b'-', b'-']), Some([0, 0, 0, 0])] {
                    for valid in [u64::MAX, (1 << 17) - 1, 1] {
                        // SAFETY: SSE2 is part of the x86-64 baseline.
                        let simd = unsafe { super::classify(&c, nw, valid) };
                        assert_eq!(simd, scalar_classify(&c, nw, valid), "bytes {start}.., {nw:?}, valid {valid:x}");
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Block, Masks};

    #[test]
    fn walks_classes_across_blocks() {
        let mut text = "x".repeat(70);
        text.push_str("12 ab");
        let mut m = Masks::default();
        m.compute(text.as_bytes(), None);
        assert_eq!(m.blocks.len(), 2);
        assert_eq!(m.next(|b: &Block| b.digit, 0), 70);
        assert_eq!(m.run_end(|b: &Block| b.digit, 70), 72);
        assert_eq!(m.run_end(|b: &Block| b.alnum, 0), 72);
        assert_eq!(m.next(|b: &Block| b.upper, 0), text.len());
        assert_eq!(m.count(|b: &Block| b.digit), 2);
        assert!(m.has(|b: &Block| b.space, 72) && !m.has(|b: &Block| b.space, 200));
        let mut starts = Vec::new();
        m.for_each_start(|b: &Block| b.alnum, |b: &Block| b.alnum, |i| starts.push(i));
        assert_eq!(starts, vec![0, 73]);
        assert_eq!(m.next_start(|b: &Block| b.alnum, |b: &Block| b.alnum, 1), 73);
        assert_eq!(m.next_start(|b: &Block| b.digit, |b: &Block| b.digit, 71), text.len());
    }
}
