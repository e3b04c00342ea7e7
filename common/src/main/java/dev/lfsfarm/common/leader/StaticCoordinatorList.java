package dev.lfsfarm.common.leader;

import java.util.List;

/**
 * Coordinators given as {@code a:7070,b:7070}: tried in turn, starting with the first; a standby's
 * redirect jumps straight to the leader it names.
 */
public final class StaticCoordinatorList implements CoordinatorLocator {
    private final List<String> addresses;
    private int position;
    private String redirected;

    public StaticCoordinatorList(List<String> addresses) {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("no coordinator address");
        }
        this.addresses = List.copyOf(addresses);
    }

    /** Parses {@code a:7070,b:7070}; blanks between commas are ignored. */
    public static StaticCoordinatorList parse(String list) {
        return new StaticCoordinatorList(java.util.Arrays.stream(list.split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).toList());
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
            redirected = null;
            return;
        }
        if (address.equals(addresses.get(position))) {
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
