/// Register-blocked matrix products on row-major `Double` buffers, for Donut's dense layers.
///
/// Every output element is summed in the same order whatever block it falls in (from 0, over
/// the inner index ascending, the bias added last), so results are bit-identical however the
/// rows are split into batches or threads. Blocks are 4 rows × 4 columns held in `SIMD4`
/// accumulators: each loaded weight vector serves four rows.
enum MatrixKernels {
    typealias Vector = SIMD4<Double>

    @inline(__always)
    static func load(_ p: UnsafePointer<Double>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ v: Vector, _ p: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }

    /// `c = a·b (+ bias)`: `a` is `rows × inner`, `b` is `inner × cols`, `c` is `rows × cols` (overwritten).
    static func multiply(
        _ a: UnsafePointer<Double>,
        _ b: UnsafePointer<Double>,
        bias: UnsafePointer<Double>?,
        into c: UnsafeMutablePointer<Double>,
        rows: Int,
        inner: Int,
        cols: Int
    ) {
        let blockedCols = cols & ~3
        var r = 0
        while r + 4 <= rows {
            let a0 = a + r * inner
            let a1 = a0 + inner
            let a2 = a1 + inner
            let a3 = a2 + inner
            var j = 0
            while j < blockedCols {
                var c0 = Vector()
                var c1 = Vector()
                var c2 = Vector()
                var c3 = Vector()
                var bk = b + j
                for k in 0..<inner {
                    let v = load(bk)
                    c0 += v * a0[k]
                    c1 += v * a1[k]
                    c2 += v * a2[k]
                    c3 += v * a3[k]
                    bk += cols
                }
                if let bias {
                    let bv = load(bias + j)
                    c0 += bv
                    c1 += bv
                    c2 += bv
                    c3 += bv
                }
                let out = c + r * cols + j
                store(c0, out)
                store(c1, out + cols)
                store(c2, out + 2 * cols)
                store(c3, out + 3 * cols)
                j += 4
            }
            for row in r..<(r + 4) { scalarColumns(a, b, bias, c, row, inner, cols, from: blockedCols) }
            r += 4
        }
        while r < rows {
            let ar = a + r * inner
            var j = 0
            while j < blockedCols {
                var acc = Vector()
                var bk = b + j
                for k in 0..<inner {
                    acc += load(bk) * ar[k]
                    bk += cols
                }
                if let bias { acc += load(bias + j) }
                store(acc, c + r * cols + j)
                j += 4
            }
            scalarColumns(a, b, bias, c, r, inner, cols, from: blockedCols)
            r += 1
        }
    }

    @inline(__always)
    private static func scalarColumns(
        _ a: UnsafePointer<Double>,
        _ b: UnsafePointer<Double>,
        _ bias: UnsafePointer<Double>?,
        _ c: UnsafeMutablePointer<Double>,
        _ row: Int,
        _ inner: Int,
        _ cols: Int,
        from start: Int
    ) {
        guard start < cols else { return }
        let ar = a + row * inner
        for j in start..<cols {
            var acc = 0.0
            for k in 0..<inner { acc += b[k * cols + j] * ar[k] }
            if let bias { acc += bias[j] }
            c[row * cols + j] = acc
        }
    }

    /// `c += aᵀ·b`: `a` is `rows × m`, `b` is `rows × n`, `c` is `m × n`.
    ///
    /// Each element of `c` gets the sum over rows (ascending, from 0) added once.
    static func accumulateTransposed(
        _ a: UnsafePointer<Double>,
        _ b: UnsafePointer<Double>,
        into c: UnsafeMutablePointer<Double>,
        rows: Int,
        m: Int,
        n: Int
    ) {
        let blockedCols = n & ~3
        var i = 0
        while i + 4 <= m {
            var j = 0
            while j < blockedCols {
                var c0 = Vector()
                var c1 = Vector()
                var c2 = Vector()
                var c3 = Vector()
                var ar = a + i
                var br = b + j
                for _ in 0..<rows {
                    let v = load(br)
                    c0 += v * ar[0]
                    c1 += v * ar[1]
                    c2 += v * ar[2]
                    c3 += v * ar[3]
                    ar += m
                    br += n
                }
                let out = c + i * n + j
                store(load(out) + c0, out)
                store(load(out + n) + c1, out + n)
                store(load(out + 2 * n) + c2, out + 2 * n)
                store(load(out + 3 * n) + c3, out + 3 * n)
                j += 4
            }
            for row in i..<(i + 4) { scalarTransposed(a, b, c, row, rows, m, n, from: blockedCols) }
            i += 4
        }
        while i < m {
            var j = 0
            while j < blockedCols {
                var acc = Vector()
                var ar = a + i
                var br = b + j
                for _ in 0..<rows {
                    acc += load(br) * ar[0]
                    ar += m
                    br += n
                }
                let out = c + i * n + j
                store(load(out) + acc, out)
                j += 4
            }
            scalarTransposed(a, b, c, i, rows, m, n, from: blockedCols)
            i += 1
        }
    }

    @inline(__always)
    private static func scalarTransposed(
        _ a: UnsafePointer<Double>,
        _ b: UnsafePointer<Double>,
        _ c: UnsafeMutablePointer<Double>,
        _ i: Int,
        _ rows: Int,
        _ m: Int,
        _ n: Int,
        from start: Int
    ) {
        guard start < n else { return }
        for j in start..<n {
            var acc = 0.0
            for r in 0..<rows { acc += b[r * n + j] * a[r * m + i] }
            c[i * n + j] += acc
        }
    }
}
