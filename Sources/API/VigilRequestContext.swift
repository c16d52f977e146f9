import Hummingbird
import NIOCore

/// The request context: Hummingbird's core storage plus the client's address, which ingest
/// records as the peer of the messages it accepts (as syslog records its sender).
public struct VigilRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: NIOCore.SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
