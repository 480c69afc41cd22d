package io.gatehouse.cluster.internal.replication;

/**
 * The value of the commit register: the last committed entry's {@code index} and {@code checksum}, written by
 * the leadership of {@code epoch} (docs/cluster.md, "The commit register").
 */
public record CommitPoint(long epoch, long index, long checksum) {

    @Override
    public String toString() {
        return epoch + "|" + index + "|" + Long.toHexString(checksum);
    }
}
