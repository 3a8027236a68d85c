import Testing
import VigilCore

struct TwoSampleTestTests {
    @Test func matchesScipyReferenceForEveryCase() throws {
        let cases = try ReferenceFixture.load("mannwhitney_ks")
        #expect(cases.count == 10)
        for c in cases {
            let x = try c.inputArray("x")
            let y = try c.inputArray("y")
            let mwu = try #require(MannWhitneyU.test(x, y))
            c.check("mwu_U1", mwu.u1)
            c.check("mwu_U2", mwu.u2)
            c.check("mwu_p_asymptotic", mwu.pAsymptotic)
            if c.expectedKeys.contains("mwu_p_exact") {
                c.check("mwu_p_exact", mwu.pExact)
            }
            let ks = try #require(KolmogorovSmirnov.test(x, y))
            c.check("ks_D", ks.d)
            c.check("ks_D_exact_lattice", ks.dLattice)
            c.check("ks_p_exact", ks.pExact)
            c.check("ks_p_kolmogorov_limit", ks.pKolmogorovLimit)
            c.check("ks_statistic_location", ks.location)
            c.checkExact("ks_statistic_sign", JSONValue(ks.sign))
            let kstwoN = try #require(c.params["ks_asymp_kstwo_n"]?.int)
            let en = Double(x.count * y.count) / Double(x.count + y.count)
            #expect(Int(en.rounded(.toNearestOrEven)) == kstwoN, "\(c.name): banker's rounding of N")
            c.check("ks_p_asymp", KolmogorovDistribution.survival(ks.d, n: kstwoN))
        }
    }

    @Test func uStatisticsAreComplementaryAndSymmetric() throws {
        let x = [1.0, 4, 4, 9, 2]
        let y = [3.0, 4, 8]
        let a = try #require(MannWhitneyU.test(x, y))
        let b = try #require(MannWhitneyU.test(y, x))
        #expect(a.u1 + a.u2 == 15)
        #expect(a.u1 == b.u2)
        #expect(a.pAsymptotic == b.pAsymptotic)
        #expect(a.pExact == nil)  // ties
    }

    @Test func identicalConstantSamplesGivePOne() throws {
        let x = [Double](repeating: 3, count: 5)
        let mwu = try #require(MannWhitneyU.test(x, x))
        #expect(mwu.pAsymptotic == 1)
        let ks = try #require(KolmogorovSmirnov.test(x, x))
        #expect(ks.d == 0)
        #expect(ks.pExact == 1)
        #expect(ks.pKolmogorovLimit == 1)
    }

    @Test func emptySamplesGiveNil() {
        #expect(MannWhitneyU.test([], [1]) == nil)
        #expect(KolmogorovSmirnov.test([1], []) == nil)
    }

    @Test func exactNullDistributionSumsToOne() {
        #expect(MannWhitneyU.exactUpperTail(0, n1: 6, n2: 9) == 1)
        #expect(MannWhitneyU.exactUpperTail(55, n1: 6, n2: 9) == 0)
        // P(U >= 9) with n1 = n2 = 3 is the single extreme arrangement: 1/20.
        #expect(abs(MannWhitneyU.exactUpperTail(9, n1: 3, n2: 3) - 0.05) < 1e-15)
    }

    @Test func kolmogorovLimitIsContinuousAcrossItsTwoSeries() {
        let below = KolmogorovSmirnov.kolmogorovSurvival(1 - 1e-12)
        let above = KolmogorovSmirnov.kolmogorovSurvival(1)
        #expect(abs(below - above) < 1e-11)
        #expect(abs(above - 0.26999967167735456) < 1e-14)
    }
}

struct KolmogorovDistributionTests {
    @Test func singleObservationIsUniform() {
        // D_1 = max(U, 1 - U), so P(D_1 >= d) = 2(1 - d) on [1/2, 1].
        #expect(abs(KolmogorovDistribution.survival(0.7, n: 1) - 0.6) < 1e-15)
        #expect(KolmogorovDistribution.survival(0.4, n: 1) == 1)
        #expect(KolmogorovDistribution.survival(1, n: 10) == 0)
        #expect(KolmogorovDistribution.survival(0, n: 10) == 1)
    }

    @Test(arguments: [5, 40, 139, 141, 474])
    func survivalIsMonotoneInD(n: Int) {
        var last = 1.0
        for k in 1..<100 {
            let p = KolmogorovDistribution.survival(Double(k) / 100, n: n)
            #expect(p <= last + 1e-9, "n=\(n) d=\(Double(k) / 100)")
            #expect(p >= 0 && p <= 1)
            last = p
        }
    }

    @Test func largeNApproachesTheKolmogorovLimit() {
        let n = 100_000
        let d = 1.2 / Double(n).squareRoot()
        let exact = KolmogorovDistribution.survival(d, n: n)
        #expect(abs(exact - KolmogorovSmirnov.kolmogorovSurvival(1.2)) < 2e-3)
    }
}
