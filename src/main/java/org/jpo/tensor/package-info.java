/**
 * Small helpers over libtorch tensors (scalars, shape checks, conversions) and native-library setup.
 * Imports no other jpo package.
 */
package org.jpo.tensor;
