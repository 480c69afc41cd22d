package io.gatehouse.api.log;

/** What a log entry does to the object it names. */
public enum Operation {
    /** Create or replace the object; the entry's payload is the object as JSON. */
    PUT,
    /** Delete the object; the entry has no payload. */
    DELETE
}
