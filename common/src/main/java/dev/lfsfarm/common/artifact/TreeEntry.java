package dev.lfsfarm.common.artifact;

import dev.lfsfarm.proto.v1.EntryType;
import java.nio.file.Path;

/**
 * One filesystem entry found under a root by {@link TreeScanner}, as lstat saw it.
 *
 * @param path        '/'-separated path relative to the root, no leading "./"
 * @param file        the entry on disk
 * @param type        FILE, DIRECTORY or SYMLINK; UNSPECIFIED for anything else (see {@code special})
 * @param mode        permission bits including setuid/setgid/sticky (07777)
 * @param size        size of a regular file, 0 otherwise
 * @param linkTarget  target of a symlink exactly as stored, empty otherwise
 * @param special     for devices, fifos and sockets a word naming the kind ("fifo", ...); null otherwise
 */
record TreeEntry(String path, Path file, EntryType type, int mode, long size, String linkTarget, String special) {}
