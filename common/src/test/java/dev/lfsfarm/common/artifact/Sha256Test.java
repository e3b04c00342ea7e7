package dev.lfsfarm.common.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lfsfarm.proto.v1.Digest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Sha256Test {

    private static final String EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    @Test
    void knownVectors() {
        assertThat(Sha256.of(new byte[0])).isEqualTo(EMPTY);
        assertThat(Sha256.of("abc".getBytes(StandardCharsets.US_ASCII))).isEqualTo(ABC);
    }

    @Test
    void streamFileAndBytesAgreeAcrossBufferBoundaries(@TempDir Path dir) throws Exception {
        byte[] data = new byte[3 * Sha256.BUFFER_SIZE + 17];
        new Random(1).nextBytes(data);
        Path file = dir.resolve("blob");
        Files.write(file, data);
        Digest expected = Sha256.digest(data);
        assertThat(Sha256.digest(file)).isEqualTo(expected);
        assertThat(Sha256.digest(new ByteArrayInputStream(data))).isEqualTo(expected);
        assertThat(Sha256.of(file)).isEqualTo(expected.getSha256());
        assertThat(expected.getSizeBytes()).isEqualTo(data.length);
    }

    @Test
    void digestingStreamsSeeWhatPassesThrough() throws Exception {
        byte[] data = "hello artifact".getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        DigestingOutputStream out = new DigestingOutputStream(sink);
        out.write(data, 0, 5);
        out.write(data[5]);
        out.write(data, 6, data.length - 6);
        assertThat(out.digest()).isEqualTo(Sha256.digest(data));
        assertThat(sink.toByteArray()).isEqualTo(data);

        DigestingInputStream in = new DigestingInputStream(new ByteArrayInputStream(data));
        assertThat(in.read()).isEqualTo(data[0]);
        in.drain();
        assertThat(in.digest()).isEqualTo(Sha256.digest(data));
    }

    @Test
    void validatesTheWireSpelling() {
        assertThat(Sha256.isValid(ABC)).isTrue();
        assertThat(Sha256.isValid(ABC.toUpperCase())).isFalse();
        assertThat(Sha256.isValid(ABC.substring(1))).isFalse();
        assertThat(Sha256.isValid(ABC + "0")).isFalse();
        assertThat(Sha256.isValid(null)).isFalse();
        assertThat(Sha256.isValid("g" + ABC.substring(1))).isFalse();
    }
}
