package io.gatehouse.plugin.proxy.internal.lb;

/**
 * A small 64-bit hash for ring positions and keys: FNV-1a over the input followed by MurmurHash3's
 * {@code fmix64} finalizer, so that inputs differing only in their last characters (ring points
 * {@code url#0}, {@code url#1}...) still spread over the whole range. Not for anything adversarial.
 */
final class Hash64 {
    private static final long OFFSET = 0xcbf29ce484222325L;
    private static final long PRIME = 0x100000001b3L;

    private Hash64() {
    }

    static long hash(CharSequence text) {
        long h = OFFSET;
        for (int i = 0; i < text.length(); i++) {
            h = (h ^ text.charAt(i)) * PRIME;
        }
        return fmix64(h ^ text.length());
    }

    static long hash(byte[] bytes) {
        long h = OFFSET;
        for (byte b : bytes) {
            h = (h ^ (b & 0xff)) * PRIME;
        }
        return fmix64(h ^ bytes.length);
    }

    static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
