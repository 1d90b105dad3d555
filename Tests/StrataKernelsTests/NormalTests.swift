import Foundation
import StrataKernels
import Testing

// Reference values: mpmath at 60 digits, rounded to the nearest double, made by
// Tests/Fixtures/normal_reference.py, which also prints scipy.stats.norm 1.17.1 for comparison:
// scipy agrees to 1e-15 for x ≥ -3, but its cdf drifts in the lower tail (2e-15 at x = -5, 7e-15
// at -10, 6e-14 at -30), which is why the stored references are mpmath's.

/// (x, Φ(x)).
private let cdfReference: [(Double, Double)] = [
    (-37.5, 4.605353009581955e-308), (-35.0, 1.1249107064724062e-268), (-30.0, 4.906713927148187e-198),
    (-20.0, 2.7536241186062337e-89), (-10.0, 7.619853024160525e-24), (-8.0, 6.220960574271784e-16),
    (-5.0, 2.866515718791939e-07), (-3.0, 0.0013498980316300946), (-1.959963984540054, 0.025000000000000012),
    (-1.0, 0.15865525393145705), (-0.5, 0.3085375387259869), (-1e-08, 0.4999999960105772), (0.0, 0.5),
    (0.5, 0.6914624612740131), (1.0, 0.8413447460685429), (1.959963984540054, 0.975),
    (3.0, 0.9986501019683699), (5.0, 0.9999997133484281), (8.0, 0.9999999999999993),
]

/// (x, φ(x)).
private let pdfReference: [(Double, Double)] = [
    (-37.5, 1.7282337322841054e-306), (-20.0, 5.520948362159764e-88), (-5.0, 1.4867195147342977e-06),
    (-1.0, 0.24197072451914334), (0.0, 0.3989422804014327), (0.3, 0.3813878154605241),
    (2.5, 0.017528300493568537), (10.0, 7.694598626706419e-23), (30.0, 1.4736461348785476e-196),
]

/// (p, Φ⁻¹(p)) for the double nearest each p.
private let quantileReference: [(Double, Double)] = [
    (1e-300, -37.0470962993612), (1e-100, -21.273453560965326), (1e-20, -9.262340089798407),
    (1e-10, -6.361340902404057), (1e-05, -4.264890793922825), (0.001, -3.0902323061678136),
    (0.025, -1.9599639845400543), (0.075, -1.439531470938456), (0.1, -1.2815515655446004),
    (0.3, -0.5244005127080408), (0.5, 0.0), (0.7, 0.5244005127080407), (0.925, 1.4395314709384561),
    (0.975, 1.9599639845400538), (0.999, 3.090232306167813), (0.9999999999, 6.361340889697422),
]

@Suite("Normal")
struct NormalTests {
    /// glibc's erfc is within a few ulps; with the two-double argument the whole cdf measured
    /// ≤ 3.3e-16 relative on a grid over [-38.5, 9]. Allowed: 1e-15 relative.
    @Test func cdfMatchesReferenceIncludingDeepTail() {
        for (x, reference) in cdfReference {
            #expect(relativeError(Normal.cdf(x), reference) <= 1e-15, "Φ(\(x)) = \(Normal.cdf(x)), want \(reference)")
        }
    }

    @Test func pdfMatchesReference() {
        for (x, reference) in pdfReference {
            #expect(relativeError(Normal.pdf(x), reference) <= 1e-15, "φ(\(x)) = \(Normal.pdf(x)), want \(reference)")
        }
    }

    /// AS 241 measured ≤ 5.8e-16 relative against mpmath for p from 1e-300 to 1 − 1e-10.
    /// Allowed: 1e-15 relative (absolute at p = 0.5).
    @Test func quantileMatchesReference() {
        for (p, reference) in quantileReference {
            #expect(relativeError(Normal.quantile(p), reference) <= 1e-15, "Φ⁻¹(\(p)) = \(Normal.quantile(p))")
        }
    }

    @Test func publishedQuantiles() {
        #expect(abs(Normal.quantile(0.975) - 1.959963984540054) <= 1e-15)
        #expect(abs(Normal.quantile(0.995) - 2.5758293035489004) <= 1e-15)
        #expect(abs(Normal.quantile(0.95) - 1.6448536269514722) <= 1e-15)
        #expect(Normal.quantile(0.5) == 0)
    }

    @Test func quantileEdgeCases() {
        #expect(Normal.quantile(0) == -.infinity)
        #expect(Normal.quantile(1) == .infinity)
        #expect(Normal.quantile(-1e-300).isNaN)
        #expect(Normal.quantile(1.0000000000000002).isNaN)
        #expect(Normal.quantile(.nan).isNaN)
        #expect(Normal.quantile(.infinity).isNaN)
        #expect(Normal.quantile(0x1p-1074).isFinite)  // the smallest subnormal still maps to a number
    }

    @Test func cdfAndPdfEdgeCases() {
        #expect(Normal.cdf(.infinity) == 1)
        #expect(Normal.cdf(-.infinity) == 0)
        #expect(Normal.cdf(.nan).isNaN)
        #expect(Normal.cdf(-40) == 0)
        #expect(Normal.cdf(40) == 1)
        #expect(Normal.pdf(.infinity) == 0)
        #expect(Normal.pdf(-.infinity) == 0)
        #expect(Normal.pdf(.nan).isNaN)
        #expect(Normal.pdf(1e200) == 0)
    }

    /// quantile(cdf(x)) ≈ x over the lower tail and centre. The condition number of the round
    /// trip is small there (dx ≈ ε·Φ(x)/φ(x) ≈ ε/|x|), so 1e-14·max(1, |x|) is generous. The upper
    /// tail is excluded: Φ(x) near 1 keeps only the absolute precision of 1 − Φ(x).
    @Test func quantileInvertsCdf() {
        var x = -37.5
        while x <= 3 {
            let back = Normal.quantile(Normal.cdf(x))
            #expect(abs(back - x) <= 1e-14 * max(1, abs(x)), "x = \(x): round trip gave \(back)")
            x += 0.0625
        }
    }

    /// cdf(quantile(p)) ≈ p: relative error in p is about |x|²·ε, hence 1e-12.
    @Test func cdfInvertsQuantile() {
        var exponent = -300.0
        while exponent < 0 {
            let p = 1.5 * pow(10, exponent)
            let back = Normal.cdf(Normal.quantile(p))
            #expect(relativeError(back, p) <= 1e-12, "p = \(p): round trip gave \(back)")
            exponent += 0.5
        }
    }

    @Test func symmetryAndMonotonicity() {
        var previous = -Double.infinity
        var p = 0.0005
        while p < 1 {
            let x = Normal.quantile(p)
            #expect(x > previous)
            previous = x
            // Φ⁻¹(1 − p) = −Φ⁻¹(p) up to the rounding of 1 − p.
            #expect(abs(Normal.quantile(1 - p) + x) <= 1e-12)
            #expect(abs(Normal.cdf(x) + Normal.cdf(-x) - 1) <= 4e-16)
            #expect(Normal.pdf(x) == Normal.pdf(-x))
            p += 0.001
        }
    }
}
