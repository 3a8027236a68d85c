// A guard that depends on vigil by version, as another team's would: it links VigilGuard only,
// and with a bundle and its public key, loads and verifies the bundle and prints its rules.
import Foundation
import VigilGuard

let arguments = CommandLine.arguments
if arguments.count == 3 {
    do {
        let key = try SigningKeys.publicKey(path: arguments[2])
        let bundle = try GuardBundle.load(path: arguments[1], publicKey: key)
        print("bundle \(bundle.manifest.version): \(bundle.model.rules.count) rule(s), verified")
    } catch {
        print("error: \(error)")
        exit(1)
    }
} else {
    print("VigilGuard linked; pass BUNDLE PUBLIC_KEY to load and verify a bundle")
}
