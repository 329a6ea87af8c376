package io.github.worktreedb.postgres;

import java.sql.SQLException;

/** The SQLSTATEs the plugin reacts to, by PostgreSQL's own condition names (Appendix A of its manual). */
public final class SqlStates {

    /** {@code insufficient_privilege}. */
    public static final String INSUFFICIENT_PRIVILEGE = "42501";
    /** {@code object_in_use}: a database others are connected to cannot be copied, renamed or dropped. */
    public static final String OBJECT_IN_USE = "55006";
    /** {@code disk_full}. */
    public static final String DISK_FULL = "53100";
    /** {@code invalid_catalog_name}: the database does not exist. */
    public static final String INVALID_CATALOG_NAME = "3D000";
    /** {@code invalid_password}. */
    public static final String INVALID_PASSWORD = "28P01";
    /** {@code invalid_authorization_specification}. */
    public static final String INVALID_AUTHORIZATION = "28000";
    /** {@code admin_shutdown}, {@code crash_shutdown}, {@code cannot_connect_now}. */
    public static final String ADMIN_SHUTDOWN = "57P01";
    public static final String CRASH_SHUTDOWN = "57P02";
    public static final String CANNOT_CONNECT_NOW = "57P03";
    /** {@code sqlserver_rejected_establishment_of_sqlconnection}: pg_hba.conf refused the login. */
    public static final String CONNECTION_REJECTED = "08004";
    /** Class 08: connection exceptions. */
    public static final String CONNECTION_EXCEPTION_CLASS = "08";

    private SqlStates() {}

    /** Whether {@code e} carries {@code state}. */
    public static boolean is(SQLException e, String state) {
        return state.equals(e.getSQLState());
    }
}
