import VigilCore

/// Corpus-wide rates, themselves drawn from the seed so that every corpus has its own mix.
struct Knobs: Sendable {
    var badRate: Double
    var hardGoodRate: Double
    var guardCoverage: Double
    var missingVerdictRate: Double
    var lateLabelRate: Double
    var changedLabelRate: Double
    var wrongLabelRate: Double
    var humanRollbackRate: Double
    var abortRate: Double
    var straddleRate: Double
    var exportLagRate: Double
    var gapRate: Double
    var gapRunFileRate: Double
    var duplicateFileRate: Double
    var malformedFileRate: Double
    var malformedLabelFileRate: Double

    init(seed: UInt64) {
        var rng = SplitMix64(seed: seed, path: SeedMix.tag("knobs"))
        badRate = rng.uniform(0.16, 0.24)
        hardGoodRate = rng.uniform(0.2, 0.32)
        guardCoverage = rng.uniform(0.82, 0.94)
        missingVerdictRate = rng.uniform(0.12, 0.22)
        lateLabelRate = rng.uniform(0.08, 0.16)
        changedLabelRate = rng.uniform(0.05, 0.11)
        wrongLabelRate = rng.uniform(0.01, 0.04)
        humanRollbackRate = rng.uniform(0.15, 0.3)
        abortRate = rng.uniform(0.01, 0.03)
        straddleRate = rng.uniform(0.08, 0.18)
        exportLagRate = rng.uniform(0.04, 0.08)
        gapRate = rng.uniform(0.001, 0.004)
        gapRunFileRate = rng.uniform(0.06, 0.15)
        duplicateFileRate = rng.uniform(0.06, 0.15)
        malformedFileRate = rng.uniform(0.02, 0.05)
        malformedLabelFileRate = rng.uniform(0.05, 0.15)
    }
}
