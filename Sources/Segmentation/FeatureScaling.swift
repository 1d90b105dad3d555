import Foundation

/// How feature values are standardised before clustering.
public enum Standardization: String, Sendable, Codable, CaseIterable {
    /// `z = (t − mean) / sd`, with the population standard deviation (scikit-learn's `StandardScaler`).
    case zscore
    /// `z = (t − median) / IQR`, the interquartile range by linear interpolation (`RobustScaler`);
    /// when the IQR is 0 the standard deviation is used instead.
    case robust
    /// `z = t − mean`: centred for accurate distances, not scaled (distances in original units).
    case none
}

/// The transformation and scaling of one feature, kept with the model so new loans are placed
/// on the same scale and centroids can be shown in original units.
///
/// ```
/// t = x                  (identity)
/// t = log(1 + x)         (log1p, for skewed amounts; needs x > −1)
/// t = [category = level] (indicator, 1 or 0)
/// z = (t − center) / scale
/// ```
public struct FeatureScaling: Sendable, Codable, Equatable {
    /// The transformation applied before centring and scaling.
    public enum Transform: String, Sendable, Codable {
        /// `t = x`.
        case identity
        /// `t = log(1 + x)`.
        case log1p
        /// `t = 1` when the category equals ``FeatureScaling/level``, else 0.
        case indicator
    }

    /// The feature's name: the column name, or `column=level` for an indicator.
    public var name: String
    /// The source column.
    public var column: String
    /// The category level of an indicator feature.
    public var level: String?
    /// The transformation.
    public var transform: Transform
    /// Subtracted from `t`.
    public var center: Double
    /// Divides `t − center` (positive).
    public var scale: Double
    /// The mean of `t` over the loans the model was fitted on.
    public var mean: Double
    /// The population standard deviation of `t` over those loans.
    public var standardDeviation: Double

    /// A feature scaling with all its fields.
    public init(
        name: String, column: String, level: String? = nil, transform: Transform, center: Double, scale: Double,
        mean: Double, standardDeviation: Double
    ) {
        self.name = name
        self.column = column
        self.level = level
        self.transform = transform
        self.center = center
        self.scale = scale
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// `t(x)` for a raw value (not for indicators).
    @inline(__always)
    public func transformed(_ x: Double) -> Double {
        transform == .log1p ? Foundation.log1p(x) : x
    }

    /// The standardised value `z` of a raw value.
    @inline(__always)
    public func standardized(_ x: Double) -> Double {
        (transformed(x) - center) / scale
    }

    /// A standardised value back in the original units: the inverse of ``standardized(_:)``.
    ///
    /// ```
    /// t = z·scale + center;   x = t (identity, indicator: the share of the level),  x = e^t − 1 (log1p)
    /// ```
    public func original(_ z: Double) -> Double {
        let t = z * scale + center
        return transform == .log1p ? Foundation.expm1(t) : t
    }

    /// How far a standardised value lies from the book mean, in book standard deviations of `t`
    /// (0 when the feature has no spread):
    ///
    /// ```
    /// δ = (z·scale + center − mean) / sd
    /// ```
    public func bookDeviation(_ z: Double) -> Double {
        guard standardDeviation > 0 else { return 0 }
        return (z * scale + center - mean) / standardDeviation
    }

    enum CodingKeys: String, CodingKey {
        case name, column, level, transform, center, scale, mean
        case standardDeviation = "sd"
    }
}
