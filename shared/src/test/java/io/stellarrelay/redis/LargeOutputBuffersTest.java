package io.stellarrelay.redis;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

@DisplayName("RedisConnector.useLargeOutputBuffers")
class LargeOutputBuffersTest {
    private final String before = System.getProperty(RedisConnector.OUTPUT_BUFFER_PROPERTY);

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty(RedisConnector.OUTPUT_BUFFER_PROPERTY);
        } else {
            System.setProperty(RedisConnector.OUTPUT_BUFFER_PROPERTY, before);
        }
    }

    @Test
    @DisplayName("sets Jedis' output buffer to 64 KiB when nothing set it")
    void setsWhenUnset() {
        System.clearProperty(RedisConnector.OUTPUT_BUFFER_PROPERTY);
        RedisConnector.useLargeOutputBuffers();
        assertEquals("65536", System.getProperty(RedisConnector.OUTPUT_BUFFER_PROPERTY));
    }

    @Test
    @DisplayName("leaves a size an operator gave with -D alone")
    void keepsAnOperatorsSize() {
        System.setProperty(RedisConnector.OUTPUT_BUFFER_PROPERTY, "16384");
        RedisConnector.useLargeOutputBuffers();
        assertEquals("16384", System.getProperty(RedisConnector.OUTPUT_BUFFER_PROPERTY));
    }
}
