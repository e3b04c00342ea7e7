package dev.lfsfarm.common.recipe;

import dev.lfsfarm.common.input.ErrorCollector;
import dev.lfsfarm.common.input.ScalarNode;
import java.util.ArrayList;
import java.util.List;

/** Parses the entries of one dependency list ({@code depends.required} etc.), reporting bad entries. */
final class DependencyListReader {
    private DependencyListReader() {}

    /**
     * @param freeFormOptional graph files list optional dependencies by free-form BLFS names
     *     ("Berkeley DB"); when true, optional entries that are not "id [constraint]" are dropped
     *     instead of reported, like any optional dependency outside the file
     */
    static List<Dependency> read(
            List<ScalarNode> entries,
            String field,
            DependencyClass c,
            ErrorCollector errors,
            boolean freeFormOptional) {
        List<Dependency> result = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            ScalarNode entry = entries.get(i);
            String entryField = field + "[" + i + "]";
            try {
                result.add(Dependency.parse(entry.text(), c, entry.location(), entryField));
            } catch (IllegalArgumentException e) {
                if (freeFormOptional && c == DependencyClass.OPTIONAL) {
                    continue;
                }
                errors.add(entry.location(), entryField, e.getMessage());
            }
        }
        return result;
    }
}
