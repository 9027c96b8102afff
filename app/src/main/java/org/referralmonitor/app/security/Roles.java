package org.referralmonitor.app.security;

/** Who may do what: administrators connect endpoints, coordinators work alerts, managers run the numbers. */
public final class Roles {

    public static final String ADMIN = "ADMIN";
    public static final String COORDINATOR = "COORDINATOR";
    public static final String MANAGER = "MANAGER";

    private Roles() {
    }
}
