package io.gatehouse.cluster.internal.groups;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/** A response body read into memory up to a limit: a larger one fails the exchange instead of filling the heap. */
final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final HttpResponse.BodySubscriber<byte[]> bytes = HttpResponse.BodySubscribers.ofByteArray();
    private final long max;
    private long received;
    private Flow.Subscription subscription;
    private boolean failed;

    private BoundedBody(long max) {
        this.max = max;
    }

    static HttpResponse.BodyHandler<byte[]> handler(long max) {
        return info -> new BoundedBody(max);
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return bytes.getBody();
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        bytes.onSubscribe(s);
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        if (failed) {
            return;
        }
        for (ByteBuffer b : item) {
            received += b.remaining();
        }
        if (received > max) {
            failed = true;
            subscription.cancel();
            bytes.onError(new IOException("the answer is larger than " + max + " bytes"));
            return;
        }
        bytes.onNext(item);
    }

    @Override
    public void onError(Throwable t) {
        if (!failed) {
            bytes.onError(t);
        }
    }

    @Override
    public void onComplete() {
        if (!failed) {
            bytes.onComplete();
        }
    }
}
