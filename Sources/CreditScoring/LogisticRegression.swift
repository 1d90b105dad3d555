import StrataKernels

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One fitted coefficient with its Wald statistics.
public struct CoefficientEstimate: Sendable, Codable, Equatable {
    /// The design column: `intercept` or a feature name.
    public var name: String
    /// The estimate β̂.
    public var estimate: Double
    /// The standard error `√[(XᵀWX + λI*)⁻¹]ⱼⱼ`.
    public var standardError: Double
    /// The Wald statistic `z = β̂ / SE`.
    public var z: Double
    /// The two-sided Wald p-value `2·Φ(−|z|)`.
    public var pValue: Double

    /// A coefficient with its statistics.
    public init(name: String, estimate: Double, standardError: Double, z: Double, pValue: Double) {
        self.name = name
        self.estimate = estimate
        self.standardError = standardError
        self.z = z
        self.pValue = pValue
    }
}

/// The result of a logistic regression fit.
public struct LogisticFit: Sendable, Equatable {
    /// One estimate per design column, in column order (the intercept first when present).
    public var coefficients: [CoefficientEstimate]
    /// The residual deviance `−2·ℓ(β̂)` (without the penalty).
    public var deviance: Double
    /// The deviance of the intercept-only model `−2·ℓ` at `p = ȳ`.
    public var nullDeviance: Double
    /// Newton iterations taken (steps applied).
    public var iterations: Int
    /// The L2 penalty λ used (0 for plain maximum likelihood).
    public var l2: Double
    /// Rows fitted.
    public var rows: Int

    /// McFadden's pseudo-R²: `1 − deviance / nullDeviance`.
    public var pseudoR2: Double { nullDeviance > 0 ? 1 - deviance / nullDeviance : 0 }
}

/// Logistic regression by Newton–Raphson / IRLS on a row-major design matrix, with the normal
/// equations built by BLAS (`dsyrk` per row chunk) and solved by LAPACK Cholesky (`dposv`).
///
/// Model and updates (P. McCullagh & J. A. Nelder, *Generalized Linear Models*, 2nd ed., 1989,
/// §2.5 and §4.4; penalised form as in A. E. Hoerl & R. W. Kennard's ridge, applied to the
/// log-likelihood as in le Cessie & van Houwelingen, Applied Statistics 41(1), 1992):
///
/// ```
/// ηᵢ = xᵢᵀβ,   μᵢ = 1 / (1 + e^(−ηᵢ)),   wᵢ = μᵢ(1 − μᵢ)
/// ℓ(β) = Σ yᵢ ln μᵢ + (1 − yᵢ) ln(1 − μᵢ),           deviance D = −2ℓ
/// maximise ℓ(β) − (λ/2)·‖β*‖²                         (β*: β without the intercept)
/// g = Xᵀ(y − μ) − λI*β,   H = XᵀWX + λI*           (I*: identity with 0 for the intercept)
/// β ← β + H⁻¹g                                      (Cholesky solve; halved while D_λ rises)
/// stop when |D_λ − D_λ,prev| / (|D_λ| + 0.1) < tol and max|H⁻¹g| < 10⁻⁸      (D_λ = D + λ‖β*‖²)
/// SE = √diag(H⁻¹) at β̂,   z = β̂ / SE,   p = 2·Φ(−|z|)
/// ```
///
/// The deviance criterion is R's `glm.fit` (`|dev − devold| / (|dev| + 0.1) < ε`); the step guard
/// keeps iterating while the coefficients still move, so estimates agree with statsmodels' `Logit`
/// to better than 10⁻⁶. XᵀWX is formed as `AᵀA` with `A = diag(√w)·X` per chunk of 65 536 rows
/// (`BLAS.syrk`), and chunk results are added in chunk order: every figure is bit-identical for
/// any thread count. With λ > 0 the standard errors come from the penalised Hessian and the
/// Wald p-values are approximate.
public enum LogisticRegression {
    /// Fits `P(y = 1 | x) = 1 / (1 + e^(−xᵀβ))` to a row-major `rows × columns` design.
    ///
    /// - Parameters:
    ///   - design: `rows × columns` values, row after row; include a column of ones for an intercept.
    ///   - columns: the number of design columns.
    ///   - labels: one 0/1 value per row; with `trials`, the number of events (bads) of the row.
    ///   - trials: for grouped (binomial) data, the number of cases each row stands for; nil means
    ///     one each. Identical rows grouped this way give the same estimates as the rows apart
    ///     (the log-likelihoods are equal term by term).
    ///   - names: a name per column (for messages and results).
    ///   - interceptColumn: the column not penalised by L2 (nil when there is none).
    ///   - l2: the ridge penalty λ ≥ 0 on the other coefficients.
    ///   - maxIterations: Newton steps allowed (default 100).
    ///   - tolerance: the relative deviance change that stops the iteration (default 10⁻¹⁰).
    ///   - threads: worker threads.
    /// - Throws: ``ScorecardError/fit(reason:)`` for perfect or quasi-complete separation, a
    ///   singular design (naming the column that depends on the others), or non-convergence.
    /// - Complexity: O(iterations × rows × columns²).
    public static func fit(
        design: ColumnBuffer<Double>, columns p: Int, labels: ColumnBuffer<Double>, trials: ColumnBuffer<Double>? = nil,
        names: [String], interceptColumn: Int? = 0, l2: Double = 0, maxIterations: Int = 100, tolerance: Double = 1e-10,
        threads: Int = Parallel.threadCount
    ) throws(ScorecardError) -> LogisticFit {
        precondition(p >= 1 && design.count == labels.count * p, "design is not rows × columns")
        precondition(names.count == p, "one name per column")
        precondition(l2 >= 0, "l2 must not be negative")
        let n = labels.count
        if n == 0 { throw .fit(reason: "no training rows") }
        precondition(trials == nil || trials!.count == n, "one trial count per row")
        let weights = trials ?? ColumnBuffer(repeating: 1, count: n)
        let scaled = ColumnBufferBuilder<Double>(count: n * p)
        let cases = trials == nil ? Double(n) : Reduce.sum(weights, threads: threads)
        let meanY = Reduce.sum(labels, threads: threads) / cases
        if meanY <= 0 || meanY >= 1 { throw .fit(reason: "the training rows hold only one class") }
        let nullDeviance = -2 * (cases * meanY * log(meanY) + cases * (1 - meanY) * log(1 - meanY))
        var beta = [Double](repeating: 0, count: p)
        if let c = interceptColumn { beta[c] = log(meanY / (1 - meanY)) }
        let penalised = (0..<p).map { $0 != interceptColumn && l2 > 0 }

        func penalty(_ b: [Double]) -> Double {
            var s = 0.0
            for j in 0..<p where penalised[j] { s += b[j] * b[j] }
            return l2 * s
        }

        var state = pass(
            design: design, scaled: scaled, labels: labels, weights: weights, p: p, beta: beta, threads: threads)
        var objective = state.deviance + penalty(beta)
        var iterations = 0
        var previous = Double.infinity
        while true {
            guard state.deviance.isFinite, state.hessian.allSatisfy(\.isFinite) else {
                throw .fit(reason: "the fit produced non-finite values; check the features for extreme values")
            }
            if state.deviance < 1e-8 * cases || state.allCertain {
                throw .fit(
                    reason: separationMessage(beta: beta, names: names, intercept: interceptColumn, complete: true))
            }
            var gradient = state.gradient
            var hessian = state.hessian
            for j in 0..<p where penalised[j] {
                gradient[j] -= l2 * beta[j]
                hessian[j * p + j] += l2
            }
            let step: [Double]
            do {
                step = try LAPACK.choleskySolve(
                    Matrix(rows: p, columns: p, values: hessian), Matrix(rows: p, columns: 1, values: gradient)
                ).values
            } catch {
                throw .fit(reason: singularMessage(error, names: names))
            }
            let maxStep = step.reduce(0) { max($0, abs($1)) }
            let change = abs(objective - previous) / (abs(objective) + 0.1)
            if change < tolerance && maxStep < 1e-8 {
                return try finish(
                    beta: beta, hessian: hessian, names: names, deviance: state.deviance,
                    nullDeviance: nullDeviance, iterations: iterations, l2: l2, rows: Int(cases))
            }
            if iterations >= maxIterations {
                if beta.enumerated().contains(where: { $0.offset != interceptColumn && abs($0.element) > 20 }) {
                    throw .fit(
                        reason: separationMessage(beta: beta, names: names, intercept: interceptColumn, complete: false)
                    )
                }
                throw .fit(
                    reason:
                        "the logistic regression did not converge in \(maxIterations) iterations (relative deviance change \(change))"
                )
            }
            // Newton step, halved while the penalised deviance rises.
            var factor = 1.0
            var candidate = beta
            var next = state
            var nextObjective = objective
            for _ in 0..<40 {
                for j in 0..<p { candidate[j] = beta[j] + factor * step[j] }
                next = pass(
                    design: design, scaled: scaled, labels: labels, weights: weights, p: p, beta: candidate,
                    threads: threads)
                nextObjective = next.deviance + penalty(candidate)
                if nextObjective.isFinite && nextObjective <= objective * (1 + 1e-12) + 1e-12 { break }
                factor *= 0.5
            }
            iterations += 1
            previous = objective
            objective = nextObjective
            beta = candidate
            state = next
        }
    }

    /// The per-pass sums: deviance, gradient `Xᵀ(y − μ)`, Hessian `XᵀWX`.
    struct PassState: Sendable {
        var deviance: Double
        var gradient: [Double]
        var hessian: [Double]
        /// True when every fitted probability is within 10⁻¹² of its label.
        var allCertain: Bool
    }

    /// One pass over the rows at `beta`, in chunks combined in chunk order.
    static func pass(
        design: ColumnBuffer<Double>, scaled: ColumnBufferBuilder<Double>, labels: ColumnBuffer<Double>,
        weights: ColumnBuffer<Double>, p: Int, beta: [Double], threads: Int
    ) -> PassState {
        let n = labels.count
        let partials = parallelChunks(count: n, threads: threads) { _, rows -> PassState in
            let r = rows.count
            let span = (rows.lowerBound * p)..<(rows.upperBound * p)
            var gradient = [Double](repeating: 0, count: p)
            var hessian = [Double](repeating: 0, count: p * p)
            var eta = [Double](repeating: 0, count: r)
            var residual = [Double](repeating: 0, count: r)
            var root = [Double](repeating: 0, count: r)
            var dev = SIMD4<Double>()
            var certain = true
            design.withSpan(in: span) { x in
                // η = X·β for the chunk (r × p times p × 1).
                var e = eta.mutableSpan
                BLAS.gemm(
                    rows: r, columns: 1, inner: p, alpha: 1, a: x, transposeA: false, b: beta.span, transposeB: false,
                    beta: 0, c: &e)
                labels.withSpan(in: rows) { y in
                    weights.withSpan(in: rows) { trials in
                        let etaSpan = eta.span
                        var res = residual.mutableSpan
                        var sq = root.mutableSpan
                        var lane = 0
                        for i in 0..<r {
                            let v = etaSpan[i]
                            // One exp and one log1p per row: e = exp(−|η|),
                            // μ = 1/(1+e) for η ≥ 0 else e/(1+e), ln(1 + exp(±η)) = max(±η, 0) + log1p(e).
                            let ex = exp(-abs(v))
                            let mu = v >= 0 ? 1 / (1 + ex) : ex / (1 + ex)
                            let l = log1p(ex)
                            let yi = y[i]
                            let ni = trials[i]
                            // −2·[y·ln μ + (n − y)·ln(1 − μ)] with −ln μ = max(−η, 0) + l, −ln(1 − μ) = max(η, 0) + l.
                            dev[lane] += 2 * (yi * (max(-v, 0) + l) + (ni - yi) * (max(v, 0) + l))
                            lane = (lane + 1) & 3
                            let rr = yi - ni * mu
                            if abs(yi / ni - mu) > 1e-12 { certain = false }
                            res[i] = rr
                            sq[i] = (ni * mu * (1 - mu)).squareRoot()
                        }
                    }
                }
                // g = Xᵀ(y − μ) (p × r times r × 1).
                var g = gradient.mutableSpan
                BLAS.gemm(
                    rows: p, columns: 1, inner: r, alpha: 1, a: x, transposeA: true, b: residual.span,
                    transposeB: false,
                    beta: 0, c: &g)
                scaled.withMutableSpan(in: span) { s in
                    let w = root.span
                    for i in 0..<r {
                        let f = w[i]
                        let base = i * p
                        for j in 0..<p { s[base + j] = f * x[base + j] }
                    }
                    var h = hessian.mutableSpan
                    BLAS.syrk(rows: r, columns: p, alpha: 1, a: s.span, beta: 0, c: &h)
                }
            }
            return PassState(
                deviance: (dev[0] + dev[2]) + (dev[1] + dev[3]), gradient: gradient, hessian: hessian,
                allCertain: certain)
        }
        var total = PassState(
            deviance: 0, gradient: [Double](repeating: 0, count: p), hessian: [Double](repeating: 0, count: p * p),
            allCertain: true)
        for part in partials {
            total.deviance += part.deviance
            for j in 0..<p { total.gradient[j] += part.gradient[j] }
            for j in 0..<(p * p) { total.hessian[j] += part.hessian[j] }
            total.allCertain = total.allCertain && part.allCertain
        }
        return total
    }

    static func finish(
        beta: [Double], hessian: [Double], names: [String], deviance: Double, nullDeviance: Double, iterations: Int,
        l2: Double, rows: Int
    ) throws(ScorecardError) -> LogisticFit {
        let p = beta.count
        let covariance: Matrix
        do {
            covariance = try LAPACK.inverseSPD(Matrix(rows: p, columns: p, values: hessian))
        } catch {
            throw .fit(reason: singularMessage(error, names: names))
        }
        var estimates = [CoefficientEstimate]()
        for j in 0..<p {
            let se = covariance[j, j].squareRoot()
            let z = beta[j] / se
            estimates.append(
                CoefficientEstimate(
                    name: names[j], estimate: beta[j], standardError: se, z: z, pValue: 2 * Normal.cdf(-abs(z))))
        }
        return LogisticFit(
            coefficients: estimates, deviance: deviance, nullDeviance: nullDeviance, iterations: iterations, l2: l2,
            rows: rows)
    }

    static func singularMessage(_ error: KernelError, names: [String]) -> String {
        if case .notPositiveDefinite(let order) = error, order >= 1, order <= names.count {
            let column = names[order - 1]
            let before = names.prefix(order - 1).joined(separator: ", ")
            return
                "the design is singular: '\(column)' is (almost) a linear combination of \(before.isEmpty ? "nothing (a zero column)" : before); drop it or lower --max-vif / --max-correlation"
        }
        return "the normal equations cannot be solved (\(error))"
    }

    static func separationMessage(beta: [Double], names: [String], intercept: Int?, complete: Bool) -> String {
        var worst = -1
        for j in beta.indices where j != intercept {
            if worst < 0 || abs(beta[j]) > abs(beta[worst]) { worst = j }
        }
        let which = worst >= 0 ? " (largest coefficient: '\(names[worst])')" : ""
        if complete {
            return
                "perfect separation: the features predict every training loan's outcome exactly\(which), so the coefficients have no finite maximum-likelihood value; look for target leakage"
        }
        return
            "quasi-complete separation: some coefficients grow without bound\(which) because part of the training loans is predicted with certainty; merge bins, drop the feature or set --l2"
    }
}
