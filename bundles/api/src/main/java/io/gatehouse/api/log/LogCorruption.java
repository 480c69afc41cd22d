package io.gatehouse.api.log;

/**
 * A corrupt or torn entry found while reading the log: where it was and why it was refused.
 *
 * @param index  index of the first entry that could not be trusted
 * @param reason what was wrong (checksum mismatch, unreadable row, gap in the sequence)
 */
public record LogCorruption(long index, String reason) {
}
