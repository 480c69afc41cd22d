/** The cluster bundle's implementation: nothing here is exported. */
package io.gatehouse.cluster.internal;
