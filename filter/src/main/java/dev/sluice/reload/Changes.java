package dev.sluice.reload;

import dev.sluice.config.SluiceSettings;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a new configuration changes against the running one, in words for the log line and the
 * operator's answer.
 *
 * @param before the running configuration
 * @param after the new one
 */
record Changes(SluiceSettings before, SluiceSettings after) {

    /** Names of upstreams in both configurations whose settings differ; these are built again. */
    List<String> changed() {
        return after.upstreams().keySet().stream().sorted()
                .filter(name -> before.upstreams().containsKey(name))
                .filter(name -> !before.upstreams().get(name).equals(after.upstreams().get(name)))
                .toList();
    }

    List<String> added() {
        return after.upstreams().keySet().stream().sorted().filter(name -> !before.upstreams().containsKey(name)).toList();
    }

    List<String> removed() {
        return before.upstreams().keySet().stream().sorted().filter(name -> !after.upstreams().containsKey(name)).toList();
    }

    /** The short answer, e.g. {@code reloaded: 2 upstreams (1 changed), 3 routes}. */
    String summary() {
        List<String> counts = new ArrayList<>();
        count(counts, changed(), "changed");
        count(counts, added(), "added");
        count(counts, removed(), "removed");
        return "reloaded: " + after.upstreams().size() + " upstreams (" + (counts.isEmpty() ? "none changed" : String.join(", ", counts))
                + "), " + after.routes().size() + " routes";
    }

    private static void count(List<String> counts, List<String> names, String what) {
        if (!names.isEmpty()) {
            counts.add(names.size() + " " + what);
        }
    }

    /**
     * Every difference, e.g. {@code upstream 'orders' changed (nodes, headerRules); upstream 'users'
     * added; routes changed}, named by the settings' record components.
     */
    String details() {
        List<String> parts = new ArrayList<>();
        for (String name : changed()) {
            parts.add("upstream '" + name + "' changed (" + String.join(", ",
                    differences(before.upstreams().get(name), after.upstreams().get(name))) + ")");
        }
        added().forEach(name -> parts.add("upstream '" + name + "' added"));
        removed().forEach(name -> parts.add("upstream '" + name + "' removed"));
        for (String part : differences(before, after)) {
            if (!part.equals("upstreams")) {
                parts.add(part + " changed");
            }
        }
        return parts.isEmpty() ? "nothing changed" : String.join("; ", parts);
    }

    /**
     * The components of two records of one type whose values differ; within a component that is
     * itself a record (a group such as {@code pool}), the ones inside it, as {@code pool.maxWaiting}.
     */
    static List<String> differences(Record a, Record b) {
        List<String> names = new ArrayList<>();
        for (RecordComponent component : a.getClass().getRecordComponents()) {
            try {
                Object before = component.getAccessor().invoke(a);
                Object after = component.getAccessor().invoke(b);
                if (before instanceof Record r && after instanceof Record s && r.getClass() == s.getClass()) {
                    differences(r, s).forEach(inner -> names.add(component.getName() + "." + inner));
                } else if (!Objects.equals(before, after)) {
                    names.add(component.getName());
                }
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + component, e);
            }
        }
        return names;
    }
}
