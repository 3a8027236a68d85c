import NIOCore

/// Closes a connection whose client has taken none of a response for `timeout`: a reader that
/// stalls half-way through a bundle must not hold its connection (and its slot among the
/// server's connections) for ever.
///
/// The channel turns unwritable when more than NIO's high-water mark (64 KiB) waits in front
/// of the socket, and writable again when the client has read it down; a client that keeps
/// reading, however slowly, keeps resetting the clock.
final class StalledWriteHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Any

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            cancel()
        } else if deadline == nil {
            let loop = context.eventLoop.assumeIsolated()
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            deadline = loop.scheduleTask(in: timeout) { bound.value.close(promise: nil) }
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancel()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancel()
    }

    private func cancel() {
        deadline?.cancel()
        deadline = nil
    }
}
