import NIOCore

/// In each connection's pipeline: registers the connection with the ``ConnectionTracker`` (which
/// may close another to make room) and closes it if its first request's headers have not arrived
/// within the read-header timeout. Hummingbird's idle timeout covers the time after that.
final class ConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
    // Parts pass through untouched: the requests are seen by ``ConnectionActivityMiddleware``.
    typealias InboundIn = Any

    private let tracker: ConnectionTracker
    private let readHeaderTimeout: TimeAmount
    private var deadline: Scheduled<Void>?
    private var started = false

    init(tracker: ConnectionTracker, readHeaderTimeout: TimeAmount) {
        self.tracker = tracker
        self.readHeaderTimeout = readHeaderTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context.channel, context.eventLoop) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context.channel, context.eventLoop)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop(context.channel)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop(context.channel)
    }

    private func start(_ channel: any Channel, _ eventLoop: any EventLoop) {
        guard !started else { return }
        started = true
        tracker.opened(channel)?.close(promise: nil)
        let tracker = tracker
        deadline = eventLoop.scheduleTask(in: readHeaderTimeout) {
            if tracker.hasSentNothing(channel) { channel.close(promise: nil) }
        }
    }

    private func stop(_ channel: any Channel) {
        deadline?.cancel()
        deadline = nil
        tracker.closed(channel)
    }
}
