package dev.lfsfarm.cli.serve;

import dev.lfsfarm.cli.UsageException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The {@code --ensemble} of {@code farm zk}: {@code host:peer:election} entries, comma-separated.
 * Member ids are positions: the first entry is member 1, so every member must be given the same
 * list in the same order.
 */
record ZkEnsemble(List<Member> members) {

    /** One ensemble member: the host the others reach it at, its peer (followers to leader) and election ports. */
    record Member(String host, int peerPort, int electionPort) {
        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + peerPort + ":" + electionPort;
        }
    }

    static ZkEnsemble parse(String value) {
        List<Member> members = new ArrayList<>();
        String[] entries = value.split(",", -1);
        for (int i = 0; i < entries.length; i++) {
            members.add(member(i + 1, entries[i].trim()));
        }
        checkDistinct(members);
        return new ZkEnsemble(List.copyOf(members));
    }

    int size() {
        return members.size();
    }

    /** The entry of member {@code id} (1-based). */
    Member member(int id) {
        if (id < 1 || id > members.size()) {
            throw new UsageException("--id " + id + " is not a position in --ensemble: it has " + members.size()
                    + " entries, so --id must be 1.." + members.size() + " (member N is the N-th entry)");
        }
        return members.get(id - 1);
    }

    @Override
    public String toString() {
        return members.stream().map(Member::toString).collect(Collectors.joining(","));
    }

    private static Member member(int position, String entry) {
        String form = "--ensemble entry " + position + " '" + entry + "' must be HOST:PEER_PORT:ELECTION_PORT,"
                + " for example zk1:2888:3888";
        int last = entry.lastIndexOf(':');
        int middle = last < 0 ? -1 : entry.lastIndexOf(':', last - 1);
        if (middle <= 0) {
            throw new UsageException(form);
        }
        String host = entry.substring(0, middle);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":") || host.contains("[") || host.contains("]")) {
            throw new UsageException(form + " (an IPv6 address goes in brackets: [fd00::1]:2888:3888)");
        }
        if (host.isBlank() || host.chars().anyMatch(Character::isWhitespace)) {
            throw new UsageException(form);
        }
        int peer = port(position, entry, "peer", entry.substring(middle + 1, last));
        int election = port(position, entry, "election", entry.substring(last + 1));
        if (peer == election) {
            throw new UsageException("--ensemble entry " + position + " '" + entry
                    + "' uses one port for peer and election traffic; they must differ");
        }
        return new Member(host, peer, election);
    }

    private static int port(int position, String entry, String which, String text) {
        try {
            int port = Integer.parseInt(text);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("--ensemble entry " + position + " '" + entry + "': " + which + " port '" + text
                + "' is not a port number (1-65535)");
    }

    /** Two members on one host:port could never both listen; ZooKeeper would only fail later, less clearly. */
    private static void checkDistinct(List<Member> members) {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            for (int port : new int[] {m.peerPort(), m.electionPort()}) {
                Integer earlier = seen.putIfAbsent(m.host() + ":" + port, i + 1);
                if (earlier != null && earlier != i + 1) {
                    throw new UsageException(
                            "--ensemble entries " + earlier + " and " + (i + 1) + " both use " + m.host() + ":" + port);
                }
            }
        }
    }
}
