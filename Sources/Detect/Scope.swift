/// What a baseline and a rule are about: all messages together, or one service's.
public enum Scope: Sendable, Hashable, Comparable {
    case overall
    case service(String)

    /// The service named, `nil` for ``overall``.
    public var service: String? {
        if case .service(let name) = self { return name }
        return nil
    }
}
