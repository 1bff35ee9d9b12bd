/**
 * Implementation details shared by Mandate's packages. Nothing here is API: it may change in any
 * release without notice.
 */
package dev.mandate.internal;
