/// Polynomial root-location tests.
enum Polynomial {
    /// Whether `1 + Σ θ_j z^j` has every root strictly outside the unit circle (Schur–Cohn
    /// step-down recursion on the reflection coefficients).
    static func isInvertibleMA(_ theta: [Double]) -> Bool {
        var a = [1.0] + theta
        while a.count > 1 {
            let q = a.count - 1
            let kq = a[q]
            guard abs(kq) < 1 else { return false }
            let denom = 1 - kq * kq
            a = (0..<q).map { (a[$0] - kq * a[q - $0]) / denom }
        }
        return true
    }
}
