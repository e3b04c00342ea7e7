package dev.lfsfarm.common.schedule;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The workers of a farm and their free capacity. Shared by the schedulers of every build that runs
 * at the same time, so that two builds never hand out the same core. Single-threaded, like the
 * schedulers that use it.
 */
public final class WorkerPool {
    private final Map<String, Slot> workers = new LinkedHashMap<>();
    private int registered;

    /** Free capacity of one worker; identity matters: a worker that reconnects gets a new one. */
    public static final class Slot {
        final WorkerSpec spec;
        final int order;
        int freeSlots;
        int freeCores;
        int freeMemoryMb;
        boolean draining;
        /** Seconds per SBU on one core; 0 = unknown (the duration model's figure is assumed). */
        double secondsPerSbu;

        Slot(WorkerSpec spec, int order) {
            this.spec = spec;
            this.order = order;
            this.freeSlots = spec.slots();
            this.freeCores = spec.cores();
            this.freeMemoryMb = spec.memoryMb();
        }

        public WorkerSpec spec() {
            return spec;
        }

        public int freeSlots() {
            return freeSlots;
        }

        public int freeCores() {
            return freeCores;
        }

        public int freeMemoryMb() {
            return freeMemoryMb;
        }

        public double secondsPerSbu() {
            return secondsPerSbu;
        }

        boolean hasRoom() {
            return !draining && freeSlots > 0 && freeCores > 0;
        }
    }

    /** How fast a worker is: seconds per SBU on one core (calibrated or learned); 0 = unknown. */
    public void setSpeed(String name, double secondsPerSbu) {
        Slot slot = workers.get(name);
        if (slot != null) {
            slot.secondsPerSbu = Math.max(0, secondsPerSbu);
        }
    }

    /** Adds a worker with all of its capacity free. */
    public void add(WorkerSpec spec) {
        if (workers.containsKey(spec.name())) {
            throw new IllegalArgumentException("worker " + spec.name() + " is already registered");
        }
        workers.put(spec.name(), new Slot(spec, registered++));
    }

    /** Removes a worker; schedulers must requeue what ran on it ({@link BuildScheduler#workerLost}). */
    public boolean remove(String name) {
        return workers.remove(name) != null;
    }

    /** A draining worker finishes what it runs and gets nothing new. */
    public void drain(String name) {
        Slot slot = workers.get(name);
        if (slot != null) {
            slot.draining = true;
        }
    }

    /** Undoes {@link #drain}: the worker takes new work again. */
    public void resume(String name) {
        Slot slot = workers.get(name);
        if (slot != null) {
            slot.draining = false;
        }
    }

    public boolean isDraining(String name) {
        Slot slot = workers.get(name);
        return slot != null && slot.draining;
    }

    public boolean contains(String name) {
        return workers.containsKey(name);
    }

    public Slot get(String name) {
        return workers.get(name);
    }

    public Collection<Slot> slots() {
        return workers.values();
    }

    public List<WorkerSpec> specs() {
        List<WorkerSpec> specs = new ArrayList<>();
        workers.values().forEach(s -> specs.add(s.spec));
        return specs;
    }

    public boolean isEmpty() {
        return workers.isEmpty();
    }

    boolean anyRoom() {
        for (Slot w : workers.values()) {
            if (w.hasRoom()) {
                return true;
            }
        }
        return false;
    }

    void reserve(Slot slot, int cores, int memoryMb) {
        slot.freeSlots--;
        slot.freeCores -= cores;
        slot.freeMemoryMb -= memoryMb;
    }

    /** Gives capacity back, unless the worker left (or reconnected as a new slot) meanwhile. */
    void release(Slot slot, int cores, int memoryMb) {
        if (workers.get(slot.spec.name()) == slot) {
            slot.freeSlots++;
            slot.freeCores += cores;
            slot.freeMemoryMb += memoryMb;
        }
    }
}
