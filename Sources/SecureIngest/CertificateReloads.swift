import Logging
import Metrics

/// How a TLS listener's certificate reload is counted and logged — the same for syslog over TLS
/// and the API's HTTPS: `<label>{result="ok"|"failed"}`, one line either way, and on failure the
/// certificate in use stays.
struct CertificateReloads: Sendable {
    private let ok: Counter
    private let failed: Counter
    private let logger: Logger

    init(label: String, logger: Logger) {
        ok = Counter(label: label, dimensions: [("result", "ok")])
        failed = Counter(label: label, dimensions: [("result", "failed")])
        self.logger = logger
    }

    /// Runs `reload` (which reads the files and swaps them in, or throws and swaps nothing).
    @discardableResult
    func attempt(certificate path: String, _ reload: () throws(TLSCredentials.LoadError) -> Void) -> Bool {
        do {
            try reload()
            ok.increment()
            logger.info("TLS certificate reloaded", metadata: ["certificate": "\(path)"])
            return true
        } catch {
            failed.increment()
            logger.error("TLS certificate reload failed; the certificate in use stays", metadata: [
                "certificate": "\(path)", "error": "\(error.description)",
            ])
            return false
        }
    }
}
