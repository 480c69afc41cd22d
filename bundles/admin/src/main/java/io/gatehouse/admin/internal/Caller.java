package io.gatehouse.admin.internal;

/**
 * Who sent an admin request, once authenticated: the token's name and what it may do.
 *
 * @param name   the token's name ({@code bootstrap} for the node's own first-start token; {@code cluster} for a
 *               request signed with the cluster secret)
 * @param access what the token allows
 */
record Caller(String name, Access access) {
    /** A request signed by another node of the cluster (internal endpoints check the signature themselves). */
    static final Caller CLUSTER = new Caller("cluster", Access.ADMIN);
    /** An endpoint that needs no token (health, readiness). */
    static final Caller ANONYMOUS = new Caller("anonymous", Access.READ);

    /** What a token allows. */
    enum Access {
        /** Every GET and HEAD. */
        READ,
        /** Everything. */
        ADMIN;

        /** The role's name as written in an ApiToken ({@code read}, {@code admin}). */
        String role() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The access of a role name; null when it is not one. */
        static Access of(String role) {
            return "admin".equals(role) ? ADMIN : "read".equals(role) ? READ : null;
        }
    }
}
