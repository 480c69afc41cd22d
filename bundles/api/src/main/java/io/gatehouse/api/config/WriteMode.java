package io.gatehouse.api.config;

/** How a write ({@link ConfigService#write}) treats objects that exist already or do not. */
public enum WriteMode {
    /** Every object must be new: one that exists makes the whole write fail with 409. */
    CREATE,
    /** Every object must exist: one that does not makes the whole write fail with 404. */
    UPDATE,
    /** Objects are created or replaced. */
    APPLY
}
