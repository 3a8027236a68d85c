import Foundation
import Testing
import Yams

/// Issue 16, item 3: the shipped Kubernetes manifests parse, carry the fields a CronJob needs,
/// and agree with each other and with the image (checked offline: no cluster here).
struct DeployManifestTests {
    static let deploy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Pipelines/deploy")

    static func load(_ name: String) throws -> [String: Any] {
        let text = try String(contentsOf: deploy.appendingPathComponent(name), encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any], "\(name) is not a YAML mapping")
    }

    static func path(_ object: Any?, _ keys: String...) -> Any? {
        var current = object
        for key in keys {
            if let index = Int(key) {
                guard let list = current as? [Any], list.indices.contains(index) else { return nil }
                current = list[index]
            } else {
                current = (current as? [String: Any])?[key]
            }
        }
        return current
    }

    @Test func theCronJobHasWhatItNeedsAndNamesTheVolumeAndSecretThatShip() throws {
        let job = try Self.load("vigil-nightly.cronjob.yaml")
        #expect(job["apiVersion"] as? String == "batch/v1")
        #expect(job["kind"] as? String == "CronJob")
        #expect(Self.path(job, "spec", "schedule") is String)
        #expect(Self.path(job, "spec", "concurrencyPolicy") as? String == "Forbid")
        let pod = Self.path(job, "spec", "jobTemplate", "spec", "template", "spec")
        #expect(["OnFailure", "Never"].contains(Self.path(pod, "restartPolicy") as? String ?? ""))
        let container = try #require(Self.path(pod, "containers", "0") as? [String: Any])
        #expect(container["image"] is String)
        let args = try #require(container["args"] as? [String])
        #expect(args.first == "run")
        #expect(args.contains("--resume-unfinished"))
        // The pipeline the job runs is in the image (the Containerfile copies Pipelines to /app).
        let pipeline = try #require(args.dropFirst().first)
        #expect(pipeline.hasPrefix("/app/Pipelines/"))
        let shipped = Self.deploy.deletingLastPathComponent().appendingPathComponent(
            String(pipeline.dropFirst("/app/Pipelines/".count))
        )
        #expect(FileManager.default.fileExists(atPath: shipped.path), "\(pipeline) is not in Pipelines/")
        let containerfile = try String(contentsOf: Self.deploy.appendingPathComponent("Containerfile"), encoding: .utf8)
        #expect(containerfile.contains("COPY Pipelines /app/Pipelines"))

        // Every path argument lies under a mounted volume.
        let mounts = try #require(container["volumeMounts"] as? [[String: Any]]).compactMap {
            $0["mountPath"] as? String
        }
        for arg in args where arg.hasPrefix("--") && arg.contains("=/") {
            let value = String(arg.split(separator: "=", maxSplits: 1)[1])
            #expect(mounts.contains { value.hasPrefix($0 + "/") }, "\(arg) is not on a mounted volume")
        }

        // The claim and the secret it names are the ones shipped beside it.
        let volumes = try #require(Self.path(pod, "volumes") as? [[String: Any]])
        let claim = volumes.compactMap { Self.path($0, "persistentVolumeClaim", "claimName") as? String }
        let secret = volumes.compactMap { Self.path($0, "secret", "secretName") as? String }
        let pvc = try Self.load("vigil-data.pvc.yaml")
        #expect(pvc["kind"] as? String == "PersistentVolumeClaim")
        #expect(claim == [Self.path(pvc, "metadata", "name") as? String].compactMap { $0 })
        #expect(Self.path(pvc, "spec", "resources", "requests", "storage") is String)
        let key = try Self.load("vigil-signing-key.secret.yaml")
        #expect(key["kind"] as? String == "Secret")
        #expect(secret == [Self.path(key, "metadata", "name") as? String].compactMap { $0 })
        // The key file the job reads is the key the secret holds.
        let keyArg = try #require(args.first { $0.hasPrefix("--signing-key=") })
        let keyName = try #require(keyArg.split(separator: "/").last.map(String.init))
        #expect(Self.path(key, "stringData", keyName) != nil)
    }
}
