package io.gatehouse.testkit;

import io.gatehouse.api.plugin.BodyTransform;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;

/** Runs a body through {@link BodyTransform}s in one piece, with the gateway's order and ownership rules. */
final class Transforms {

    private Transforms() {
    }

    static byte[] apply(List<BodyTransform> transforms, byte[] body) throws Exception {
        byte[] current = body;
        for (int i = 0; i < transforms.size(); i++) {
            BodyTransform t = transforms.get(i);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer view = ByteBuffer.wrap(current).asReadOnlyBuffer();
            ByteBuffer result = t.piece(view);
            if (result == view && view.position() == 0) {
                out.write(current);
            } else {
                write(out, result);
            }
            write(out, t.end());
            current = out.toByteArray();
        }
        return current;
    }

    private static void write(ByteArrayOutputStream out, ByteBuffer b) {
        if (b == null) {
            return;
        }
        ByteBuffer d = b.duplicate();
        byte[] bytes = new byte[d.remaining()];
        d.get(bytes);
        out.write(bytes, 0, bytes.length);
    }
}
