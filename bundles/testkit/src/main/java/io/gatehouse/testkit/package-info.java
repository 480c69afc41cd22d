/**
 * Test kit for Gatehouse plugins: run a plugin kind and its instances in plain JUnit, without Karaf or a
 * network.
 *
 * <ul>
 *   <li>{@link io.gatehouse.testkit.PluginHarness} binds a JSON or YAML spec to the kind's spec type as the
 *   gateway does (unknown fields and wrong types are violations at their JSON path), runs the kind's
 *   validation and creates instances.</li>
 *   <li>{@link io.gatehouse.testkit.FakeExchange} (with {@link io.gatehouse.testkit.FakeRequest},
 *   {@link io.gatehouse.testkit.FakeResponse} and {@link io.gatehouse.testkit.FakeHeaders}) is the exchange a
 *   plugin handles: it records forwards, timers and error answers, and the test plays the upstream and the
 *   end of the exchange.</li>
 *   <li>{@link io.gatehouse.testkit.RecordingCompletion} records how the plugin completed, and refuses a
 *   second completion as the gateway does.</li>
 * </ul>
 *
 * <p>Use it as a test-scoped dependency ({@code io.gatehouse:gatehouse-testkit}). The fakes follow the
 * documented semantics of the plugin API; like the real objects they are meant for one thread at a time
 * (the test thread plays the event loop).
 */
package io.gatehouse.testkit;
