//! Byte classes of a value as bit masks, one bit per byte, 64 bytes to a block.
//!
//! Every prefilter pass asks the same questions of every byte: is it a digit, a letter, a
//! token byte, the first letter of a word? Asked once per pass with a branch per byte,
//! that cost more than all the regexes on short values. Here a value is classified once,
//! 64 bytes per SIMD instruction with AVX-512BW, 32 with AVX2, else SSE2's 16, which every
//! x86-64 has (other targets take a scalar loop with the same result), and the passes
//! then find word starts (`x & !(x << 1)`), runs (`trailing_ones`) and counts
//! (`count_ones`) with a few instructions per 64 bytes, visiting only the bytes they care
//! about.

/// The classes of 64 consecutive bytes; bit `j` is byte `64·k + j` of block `k`. Bytes
/// past the value's end have no class. The fields from `hex` on are filled only by
/// `Masks::extend`: the passes that read them run only on values with digits or colons
/// (or few spaces, for the whole-value token test).
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Block {
    /// ASCII letters and digits.
    pub alnum: u64,
    pub digit: u64,
    pub upper: u64,
    /// Bytes >= 0x80 (any part of a non-ASCII character).
    pub nonascii: u64,
    pub colon: u64,
    pub space: u64,
    /// First bytes of the literals that do not start with a letter or digit (`@`, `://`).
    pub nonword_first: u64,
    /// `0-9a-fA-F`.
    pub hex: u64,
    /// Key-like token bytes: `[A-Za-z0-9+/=_-]`.
    pub token: u64,
    /// Where a digit run may start: a digit, `+` or `(`.
    pub run_start: u64,
    pub dot: u64,
    /// Space, line feed or comma: what separates a house number from a street name.
    pub street_sep: u64,
}

/// The blocks of one value.
#[derive(Default)]
pub struct Masks {
    pub blocks: Vec<Block>,
    pub len: usize,
    /// How many digits, upper-case letters, colons and spaces the value has: they gate the
    /// costlier passes (no digit run without digits, no name without two capitals, …).
    pub digits: usize,
    pub upper: usize,
    pub colons: usize,
    pub spaces: usize,
}

/// A field of `Block`, for the passes that walk one class across blocks.
pub type Field = fn(&Block) -> u64;

impl Masks {
    /// Classifies `b` into the base classes (up to `nonword_first`). `nonword_first` holds
    /// the first bytes of non-word literals (padded with repeats), or is `None` when there
    /// are too many to compare: then every byte that is not a letter or digit is marked.
    pub fn compute(&mut self, b: &[u8], nonword_first: Option<[u8; 4]>) {
        self.len = b.len();
        self.blocks.clear();
        self.blocks.resize(b.len().div_ceil(64), Block::default());
        [self.digits, self.upper, self.colons, self.spaces] = fill(b, Classes::Base(nonword_first), &mut self.blocks);
    }

    /// Adds the extended classes (`hex` on) to the blocks of `b`, which `compute` classified.
    pub fn extend(&mut self, b: &[u8]) {
        fill(b, Classes::Extended, &mut self.blocks);
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

/// Calls `f(chunk, used, block)` for each 64-byte chunk of `b` and its block; the last
/// chunk is zero-padded and `used` says how many of its bytes are `b`'s. (The SIMD path
/// has its own loop: closures lose the target features of the function they are in.)
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn each_chunk(b: &[u8], blocks: &mut [Block], mut f: impl FnMut(&[u8; 64], usize, &mut Block)) {
    let mut chunks = b.chunks_exact(64);
    let mut blocks = blocks.iter_mut();
    for (c, blk) in (&mut chunks).zip(&mut blocks) {
        f(c.try_into().expect("64-byte chunk"), 64, blk);
    }
    let rest = chunks.remainder();
    if let (false, Some(blk)) = (rest.is_empty(), blocks.next()) {
        let mut pad = [0u8; 64];
        pad[..rest.len()].copy_from_slice(rest);
        f(&pad, rest.len(), blk);
    }
}

/// Classifies `b` into `blocks` (one per 64 bytes), and counts its digits, upper-case
/// letters, colons and spaces (base classes only).
#[cfg(target_arch = "x86_64")]
fn fill(b: &[u8], classes: Classes, blocks: &mut [Block]) -> [usize; 4] {
    simd::fill(b, classes, blocks)
}

#[cfg(not(target_arch = "x86_64"))]
fn fill(b: &[u8], classes: Classes, blocks: &mut [Block]) -> [usize; 4] {
    each_chunk(b, blocks, |c, used, blk| scalar_classify(c, used, classes, blk));
    counts(blocks)
}

/// Digits, upper-case letters, colons and spaces in `blocks`.
#[inline(always)]
fn counts(blocks: &[Block]) -> [usize; 4] {
    let mut n = [0; 4];
    for b in blocks {
        n[0] += b.digit.count_ones() as usize;
        n[1] += b.upper.count_ones() as usize;
        n[2] += b.colon.count_ones() as usize;
        n[3] += b.space.count_ones() as usize;
    }
    n
}

/// Which fields of a block `classify` fills.
#[derive(Clone, Copy, Debug)]
enum Classes {
    /// The fields up to `nonword_first`, given the first bytes of non-word literals.
    Base(Option<[u8; 4]>),
    /// The fields from `hex` on.
    Extended,
}

/// The byte-at-a-time classification: the reference the SIMD version is tested against,
/// and the one other targets use.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn scalar_classify(c: &[u8; 64], used: usize, classes: Classes, b: &mut Block) {
    for (j, &x) in c[..used].iter().enumerate() {
        let bit = 1u64 << j;
        let set = |field: &mut u64, yes: bool| {
            if yes {
                *field |= bit;
            }
        };
        match classes {
            Classes::Base(nonword_first) => {
                set(&mut b.alnum, x.is_ascii_alphanumeric());
                set(&mut b.digit, x.is_ascii_digit());
                set(&mut b.upper, x.is_ascii_uppercase());
                set(&mut b.nonascii, x >= 0x80);
                set(&mut b.colon, x == b':');
                set(&mut b.space, x == b' ');
                let first = match nonword_first {
                    Some(nw) => nw.contains(&x),
                    None => !x.is_ascii_alphanumeric(),
                };
                set(&mut b.nonword_first, first);
            }
            Classes::Extended => {
                set(&mut b.hex, x.is_ascii_hexdigit());
                set(&mut b.token, x.is_ascii_alphanumeric() || matches!(x, b'+' | b'/' | b'=' | b'_' | b'-'));
                set(&mut b.run_start, x.is_ascii_digit() || x == b'+' || x == b'(');
                set(&mut b.dot, x == b'.');
                set(&mut b.street_sep, matches!(x, b' ' | b'\n' | b','));
            }
        }
    }
}

/// The bits of the first `used` bytes.
#[inline(always)]
fn used_bits(used: usize) -> u64 {
    if used >= 64 {
        u64::MAX
    } else {
        (1u64 << used) - 1
    }
}

#[cfg(target_arch = "x86_64")]
mod simd {
    use std::arch::x86_64::*;

    use super::{counts, used_bits, Block, Classes};

    /// One register of bytes: SSE2's 16 (every x86-64) or AVX2's 32 (most since 2013).
    trait Lanes: Copy {
        const WIDTH: usize;
        unsafe fn load(p: *const u8) -> Self;
        unsafe fn splat(c: u8) -> Self;
        unsafe fn add(self, o: Self) -> Self;
        unsafe fn lt(self, o: Self) -> Self;
        unsafe fn eq(self, o: Self) -> Self;
        unsafe fn or(self, o: Self) -> Self;
        /// The top bit of each byte.
        unsafe fn bits(self) -> u64;
    }

    /// A `Lanes` type over one register type and its intrinsics.
    macro_rules! lanes {
        ($name:ident, $reg:ty, $width:expr, $load:ident, $splat:ident, $add:ident, $gt:ident, $eq:ident, $or:ident, $mask:ident, $mask_bits:ty) => {
            #[derive(Clone, Copy)]
            struct $name($reg);

            impl Lanes for $name {
                const WIDTH: usize = $width;
                #[inline(always)]
                unsafe fn load(p: *const u8) -> Self {
                    $name($load(p as *const $reg))
                }
                #[inline(always)]
                unsafe fn splat(c: u8) -> Self {
                    $name($splat(c as i8))
                }
                #[inline(always)]
                unsafe fn add(self, o: Self) -> Self {
                    $name($add(self.0, o.0))
                }
                #[inline(always)]
                unsafe fn lt(self, o: Self) -> Self {
                    $name($gt(o.0, self.0))
                }
                #[inline(always)]
                unsafe fn eq(self, o: Self) -> Self {
                    $name($eq(self.0, o.0))
                }
                #[inline(always)]
                unsafe fn or(self, o: Self) -> Self {
                    $name($or(self.0, o.0))
                }
                #[inline(always)]
                unsafe fn bits(self) -> u64 {
                    $mask(self.0) as $mask_bits as u64
                }
            }
        };
    }

    lanes!(Sse2, __m128i, 16, _mm_loadu_si128, _mm_set1_epi8, _mm_add_epi8, _mm_cmpgt_epi8, _mm_cmpeq_epi8, _mm_or_si128, _mm_movemask_epi8, u16);
    lanes!(Avx2, __m256i, 32, _mm256_loadu_si256, _mm256_set1_epi8, _mm256_add_epi8, _mm256_cmpgt_epi8, _mm256_cmpeq_epi8, _mm256_or_si256, _mm256_movemask_epi8, u32);

    /// Bytes in `lo..lo + n` (n < 128): shifted to the bottom of the signed range so one
    /// signed compare does the unsigned range test.
    #[inline(always)]
    unsafe fn in_range<L: Lanes>(x: L, lo: u8, n: u8) -> L {
        x.add(L::splat(0x80u8.wrapping_sub(lo))).lt(L::splat(0x80u8.wrapping_add(n)))
    }

    #[inline(always)]
    unsafe fn eq<L: Lanes>(x: L, c: u8) -> L {
        x.eq(L::splat(c))
    }

    /// Classifies the registers of `c` that hold used bytes (the rest stay empty).
    #[inline(always)]
    unsafe fn classify_with<L: Lanes>(c: &[u8; 64], used: usize, classes: Classes, b: &mut Block) {
        let lanes = used.div_ceil(L::WIDTH);
        match classes {
            Classes::Base(nonword_first) => {
                let (mut alnum, mut digit, mut upper, mut nonascii) = (0, 0, 0, 0);
                let (mut colon, mut space, mut first) = (0, 0, 0);
                for k in 0..lanes {
                    let x = L::load(c.as_ptr().add(L::WIDTH * k));
                    let sh = L::WIDTH * k;
                    let d = in_range(x, b'0', 10).bits();
                    let u = in_range(x, b'A', 26).bits();
                    let a = d | u | in_range(x, b'a', 26).bits();
                    let f = match nonword_first {
                        Some(nw) => eq(x, nw[0]).or(eq(x, nw[1])).or(eq(x, nw[2]).or(eq(x, nw[3]))).bits(),
                        None => !a & used_bits(L::WIDTH),
                    };
                    alnum |= a << sh;
                    digit |= d << sh;
                    upper |= u << sh;
                    nonascii |= x.bits() << sh;
                    colon |= eq(x, b':').bits() << sh;
                    space |= eq(x, b' ').bits() << sh;
                    first |= f << sh;
                }
                // Padding is NUL, which is no letter and may be a listed first byte.
                let first = first & used_bits(used);
                *b = Block { alnum, digit, upper, nonascii, colon, space, nonword_first: first, ..*b };
            }
            Classes::Extended => {
                let (mut hex, mut token, mut run_start, mut dot, mut street_sep) = (0, 0, 0, 0, 0);
                for k in 0..lanes {
                    let x = L::load(c.as_ptr().add(L::WIDTH * k));
                    let sh = L::WIDTH * k;
                    let d = in_range(x, b'0', 10).bits();
                    let a = d | in_range(x, b'A', 26).bits() | in_range(x, b'a', 26).bits();
                    let hex_alpha = in_range(x.or(L::splat(0x20)), b'a', 6).bits();
                    let plus = eq(x, b'+');
                    let punct = plus.or(eq(x, b'/')).or(eq(x, b'=').or(eq(x, b'_'))).or(eq(x, b'-')).bits();
                    hex |= (d | hex_alpha) << sh;
                    token |= (a | punct) << sh;
                    run_start |= (d | plus.or(eq(x, b'(')).bits()) << sh;
                    dot |= eq(x, b'.').bits() << sh;
                    street_sep |= eq(x, b' ').or(eq(x, b'\n')).or(eq(x, b',')).bits() << sh;
                }
                *b = Block { hex, token, run_start, dot, street_sep, ..*b };
            }
        }
    }

    /// Every chunk of `b` into `blocks`; inlined into the target-feature functions below
    /// (a closure would not be, and would lose their features).
    #[inline(always)]
    unsafe fn fill_with<L: Lanes>(b: &[u8], classes: Classes, blocks: &mut [Block]) -> [usize; 4] {
        let mut chunks = b.chunks_exact(64);
        let mut k = 0;
        for c in &mut chunks {
            classify_with::<L>(c.try_into().expect("64-byte chunk"), 64, classes, &mut blocks[k]);
            k += 1;
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut pad = [0u8; 64];
            pad[..rest.len()].copy_from_slice(rest);
            classify_with::<L>(&pad, rest.len(), classes, &mut blocks[k]);
        }
        if matches!(classes, Classes::Base(_)) {
            counts(blocks)
        } else {
            [0; 4]
        }
    }

    // One call per value, not per block, so the constants stay in registers.
    #[target_feature(enable = "avx2,popcnt")]
    unsafe fn fill_avx2(b: &[u8], classes: Classes, blocks: &mut [Block]) -> [usize; 4] {
        fill_with::<Avx2>(b, classes, blocks)
    }

    #[target_feature(enable = "sse2")]
    unsafe fn fill_sse2(b: &[u8], classes: Classes, blocks: &mut [Block]) -> [usize; 4] {
        fill_with::<Sse2>(b, classes, blocks)
    }

    /// Bytes in `lo..lo + n`, as a mask (unsigned compare after the shift).
    #[inline(always)]
    unsafe fn in_range512(x: __m512i, lo: u8, n: u8) -> u64 {
        _mm512_cmplt_epu8_mask(_mm512_sub_epi8(x, _mm512_set1_epi8(lo as i8)), _mm512_set1_epi8(n as i8))
    }

    #[inline(always)]
    unsafe fn eq512(x: __m512i, c: u8) -> u64 {
        _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(c as i8))
    }

    /// AVX-512BW: a whole block per register, compares straight into bit masks, and a
    /// masked load for the last block instead of a zero-padded copy.
    #[target_feature(enable = "avx512bw,popcnt")]
    unsafe fn fill_avx512(b: &[u8], classes: Classes, blocks: &mut [Block]) -> [usize; 4] {
        for (k, blk) in blocks.iter_mut().enumerate() {
            let used = (b.len() - 64 * k).min(64);
            let live = used_bits(used);
            // Masked-off bytes are neither read nor faulted on; they load as NUL.
            let x = _mm512_maskz_loadu_epi8(live, b.as_ptr().add(64 * k) as *const i8);
            match classes {
                Classes::Base(nonword_first) => {
                    let digit = in_range512(x, b'0', 10);
                    let upper = in_range512(x, b'A', 26);
                    let alnum = digit | upper | in_range512(x, b'a', 26);
                    let first = match nonword_first {
                        Some(nw) => eq512(x, nw[0]) | eq512(x, nw[1]) | eq512(x, nw[2]) | eq512(x, nw[3]),
                        None => !alnum,
                    };
                    *blk = Block {
                        alnum,
                        digit,
                        upper,
                        nonascii: _mm512_movepi8_mask(x),
                        colon: eq512(x, b':'),
                        space: eq512(x, b' '),
                        nonword_first: first & live,
                        ..*blk
                    };
                }
                Classes::Extended => {
                    let digit = in_range512(x, b'0', 10);
                    let alnum = digit | in_range512(x, b'A', 26) | in_range512(x, b'a', 26);
                    let plus = eq512(x, b'+');
                    let punct = plus | eq512(x, b'/') | eq512(x, b'=') | eq512(x, b'_') | eq512(x, b'-');
                    let space = eq512(x, b' ');
                    *blk = Block {
                        hex: digit | in_range512(_mm512_or_si512(x, _mm512_set1_epi8(0x20)), b'a', 6),
                        token: alnum | punct,
                        run_start: digit | plus | eq512(x, b'('),
                        dot: eq512(x, b'.'),
                        street_sep: space | eq512(x, b'\n') | eq512(x, b','),
                        ..*blk
                    };
                }
            }
        }
        if matches!(classes, Classes::Base(_)) {
            counts(blocks)
        } else {
            [0; 4]
        }
    }

    /// AVX-512BW, else AVX2, else SSE2, as the CPU allows (each check is one cached load).
    #[inline(always)]
    pub(super) fn fill(b: &[u8], classes: Classes, blocks: &mut [Block]) -> [usize; 4] {
        if is_x86_feature_detected!("avx512bw") && is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU has AVX-512BW and POPCNT; the masked loads read only bytes of `b`.
            unsafe { fill_avx512(b, classes, blocks) }
        } else if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU has AVX2 and POPCNT; every load reads inside a 64-byte chunk.
            unsafe { fill_avx2(b, classes, blocks) }
        } else {
            // SAFETY: SSE2 is part of the x86-64 baseline; every load reads inside a chunk.
            unsafe { fill_sse2(b, classes, blocks) }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::super::{scalar_classify, Block, Classes};

        #[test]
        fn simd_and_scalar_agree_on_every_byte() {
            for start in (0..256).step_by(64) {
                let c: [u8; 64] = std::array::from_fn(|j| (start + j) as u8);
                let classes = [
                    Classes::Base(None),
                    Classes::Base(Some([b'@', b':', b'-', b'-'])),
                    Classes::Base(Some([0, 0, 0, 0])),
                    Classes::Extended,
                ];
                for cl in classes {
                    for used in [64, 33, 17, 1] {
                        let mut pad = [0u8; 64];
                        pad[..used].copy_from_slice(&c[..used]);
                        let mut want = Block::default();
                        scalar_classify(&pad, used, cl, &mut want);
                        let mut got = [Block::default()];
                        // SAFETY: SSE2 is part of the x86-64 baseline.
                        unsafe { super::fill_sse2(&pad[..used], cl, &mut got) };
                        assert_eq!(got[0], want, "SSE2, bytes {start}.., {cl:?}, used {used}");
                        if is_x86_feature_detected!("avx2") {
                            let mut got = [Block::default()];
                            // SAFETY: the CPU has AVX2.
                            unsafe { super::fill_avx2(&pad[..used], cl, &mut got) };
                            assert_eq!(got[0], want, "AVX2, bytes {start}.., {cl:?}, used {used}");
                        }
                        if is_x86_feature_detected!("avx512bw") {
                            let mut got = [Block::default()];
                            // SAFETY: the CPU has AVX-512BW.
                            unsafe { super::fill_avx512(&pad[..used], cl, &mut got) };
                            assert_eq!(got[0], want, "AVX-512, bytes {start}.., {cl:?}, used {used}");
                        }
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
        m.extend(text.as_bytes());
        assert_eq!(m.blocks.len(), 2);
        assert_eq!(m.next(|b: &Block| b.digit, 0), 70);
        assert_eq!(m.run_end(|b: &Block| b.digit, 70), 72);
        assert_eq!(m.run_end(|b: &Block| b.alnum, 0), 72);
        assert_eq!(m.next(|b: &Block| b.upper, 0), text.len());
        assert_eq!(m.next(|b: &Block| b.space, 0), 72);
        let mut starts = Vec::new();
        m.for_each_start(|b: &Block| b.alnum, |b: &Block| b.alnum, |i| starts.push(i));
        assert_eq!(starts, vec![0, 73]);
        assert_eq!(m.next_start(|b: &Block| b.alnum, |b: &Block| b.alnum, 1), 73);
        assert_eq!(m.next_start(|b: &Block| b.digit, |b: &Block| b.digit, 71), text.len());
    }
}
