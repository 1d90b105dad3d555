/// A seeded, splittable random number generator: xoshiro256** whose state is derived from a
/// `(seed, stream)` pair by SplitMix64.
///
/// Strata gives each unit of parallel work (a chunk of rows, a block of Monte Carlo scenarios)
/// its own stream index, so every number depends only on the run's seed and the work's index,
/// never on which thread ran it or how many threads there were.
///
/// Construction, following Blackman & Vigna, "Scrambled Linear Pseudorandom Number Generators"
/// (ACM TOMS 47(4), 2021; reference code at prng.di.unimi.it), who recommend seeding xoshiro
/// from SplitMix64 output:
///
/// ```
/// mix(z)  = SplitMix64 finaliser: z ^= z >> 30; z *= 0xBF58476D1CE4E5B9;
///                                 z ^= z >> 27; z *= 0x94D049BB133111EB; z ^= z >> 31
/// key     = mix(seed + γ) ⊕ stream          γ = 0x9E3779B97F4A7C15 (golden gamma)
/// x       = mix(key)                        SplitMix64 start state
/// sᵢ      = mix(x + (i + 1)·γ),  i = 0…3    xoshiro256** state words
/// next    = rotl(s₁·5, 7)·9, then the xoshiro256 state transition
/// ```
///
/// Properties: for a fixed seed, `stream ↦ x` is a bijection (xor with a constant, then the
/// invertible `mix`), so distinct streams always start from distinct SplitMix64 states, and the
/// four words are never all zero (`mix` is a bijection and the four inputs differ). Streams are
/// not provably disjoint; treating start states as random, `n` streams of length `L` overlap
/// with probability about `n²·L / 2²⁵⁶`, which is negligible. The generator is not
/// cryptographically secure.
public struct RandomStream: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// The SplitMix64 increment, ⌊2⁶⁴/φ⌋ rounded to odd.
    static let goldenGamma: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// The stream numbered `stream` of the family selected by `seed`.
    ///
    /// The same pair always gives the same sequence, on any machine and thread.
    public init(seed: UInt64, stream: UInt64) {
        let key = RandomStream.mix(seed &+ RandomStream.goldenGamma) ^ stream
        var splitMix = SplitMix64(state: RandomStream.mix(key))
        self.init(state: (splitMix.next(), splitMix.next(), splitMix.next(), splitMix.next()))
    }

    /// A generator with the given raw xoshiro256 state (not all zero), for tests against the
    /// reference implementation.
    init(state: (UInt64, UInt64, UInt64, UInt64)) {
        precondition(state != (0, 0, 0, 0), "xoshiro256 state must not be all zero")
        (s0, s1, s2, s3) = state
    }

    /// The SplitMix64 output function (Steele, Lea & Flood, "Fast Splittable Pseudorandom Number
    /// Generators", OOPSLA 2014; constants from Stafford's variant 13), a bijection on `UInt64`.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits (xoshiro256**).
    ///
    /// ```
    /// result = rotl(s₁ · 5, 7) · 9
    /// t = s₁ << 17;  s₂ ^= s₀;  s₃ ^= s₁;  s₁ ^= s₂;  s₀ ^= s₃;  s₂ ^= t;  s₃ = rotl(s₃, 45)
    /// ```
    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// A uniform double in the open interval (0, 1) with 53 random bits; uses one ``next()``.
    ///
    /// ```
    /// k = next() >> 11                     (53 bits)
    /// u = k · 2⁻⁵³  for k ≥ 1,   u = 2⁻⁵⁴  for k = 0
    /// ```
    ///
    /// Values are multiples of 2⁻⁵³ from 2⁻⁵³ to 1 − 2⁻⁵³, each with probability 2⁻⁵³, plus 2⁻⁵⁴
    /// standing in for 0 (so `log(u)` and `Normal.quantile(u)` are always finite). The mean is
    /// ½ − 2⁻⁵⁵.
    @inline(__always)
    public mutating func nextUniform() -> Double {
        RandomStream.uniform(fromBits: next())
    }

    /// Maps 64 random bits to the open interval (0, 1) as ``nextUniform()`` documents.
    @inline(__always)
    static func uniform(fromBits bits: UInt64) -> Double {
        let k = bits >> 11
        return k == 0 ? 0x1p-54 : Double(k) * 0x1p-53
    }

    /// A standard normal draw by inversion: `Normal.quantile(nextUniform())`.
    ///
    /// Exactly one uniform per normal, so the i-th normal of a stream is always made from its i-th
    /// 64-bit output, and streams stay aligned whatever else the caller draws. The draws lie in
    /// about [−8.29, 8.21] (the quantiles of 2⁻⁵⁴ and 1 − 2⁻⁵³).
    @inline(__always)
    public mutating func nextNormal() -> Double {
        Normal.quantile(nextUniform())
    }

    @inline(__always)
    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }
}

/// The SplitMix64 generator: a 64-bit counter stepped by the golden gamma, passed through `mix`.
/// Used only to expand a 64-bit key into xoshiro256 state.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= RandomStream.goldenGamma
        return RandomStream.mix(state)
    }
}
