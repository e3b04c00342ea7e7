package dev.lfsfarm.common.leader;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Coordinators given as {@code a:7070,b:7070}: tried in turn, starting with the first; a standby's
 * redirect jumps straight to the leader it names.
 */
public final class StaticCoordinatorList implements CoordinatorLocator {
    /** HOST:PORT where HOST is a name, IPv4 or a bracketed IPv6 literal. */
    private static final Pattern HOST_PORT = Pattern.compile("(?:[A-Za-z0-9.\\-_]+|\\[[0-9A-Fa-f:.]+\\]):(\\d{1,5})");

    private final List<String> addresses;

    // The agent's timer thread and its stream callbacks ask and report: under this.
    @GuardedBy("this")
    private int position;

    @GuardedBy("this")
    private String redirected;

    public StaticCoordinatorList(List<String> addresses) {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("no coordinator address");
        }
        for (String address : addresses) {
            String problem = addressProblem(address);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
        }
        this.addresses = List.copyOf(addresses);
    }

    /** Parses {@code a:7070,b:7070}; blanks between commas are ignored. */
    public static StaticCoordinatorList parse(String list) {
        String problem = problem(list);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return new StaticCoordinatorList(split(list));
    }

    /** Why {@code list} is not {@code HOST:PORT[,HOST:PORT...]}, or null when it is one. */
    public static String problem(String list) {
        if (list == null || split(list).isEmpty()) {
            return "is empty; expected HOST:PORT[,HOST:PORT...]";
        }
        List<String> bad = new ArrayList<>();
        for (String address : split(list)) {
            if (addressProblem(address) != null) {
                bad.add("'" + address + "'");
            }
        }
        return bad.isEmpty()
                ? null
                : String.join(", ", bad) + (bad.size() == 1 ? " is" : " are")
                        + " not HOST:PORT (expected HOST:PORT[,HOST:PORT...])";
    }

    /** Why one address is not HOST:PORT with a port from 1 to 65535, or null. */
    public static String addressProblem(String address) {
        Matcher m = HOST_PORT.matcher(address == null ? "" : address);
        if (!m.matches()) {
            return "'" + address + "' is not HOST:PORT";
        }
        int port = Integer.parseInt(m.group(1));
        return port < 1 || port > 65535 ? "'" + address + "': port " + port + " is not between 1 and 65535" : null;
    }

    private static List<String> split(String list) {
        return Arrays.stream(list.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    @Override
    public synchronized String next() {
        if (redirected != null) {
            return redirected;
        }
        return addresses.get(position);
    }

    @Override
    public synchronized void failed(String address) {
        if (address.equals(redirected)) {
            // The named leader is gone too: start over from the list rather than insist on it.
            redirected = null;
            return;
        }
        if (redirected == null && address.equals(addresses.get(position))) {
            position = (position + 1) % addresses.size();
        }
    }

    @Override
    public synchronized void redirect(String leaderAddress) {
        redirected = leaderAddress;
    }

    public List<String> addresses() {
        return addresses;
    }

    @Override
    public String describe() {
        return String.join(",", addresses);
    }
}
