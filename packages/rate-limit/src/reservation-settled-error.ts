const brand = Symbol.for('breakwater.rate-limit.ReservationSettledError');

/** Thrown (as a rejection) by `commit()` on a token reservation that was already settled. */
export class ReservationSettledError extends Error {
  /** Stable code for logs and HTTP mapping. */
  readonly code = 'RATE_LIMIT_RESERVATION_SETTLED' as const;
  /** Id of the reservation. */
  readonly reservationId: string;

  constructor(reservationId: string) {
    super(`token reservation ${reservationId} was already committed or released`);
    this.name = 'ReservationSettledError';
    this.reservationId = reservationId;
  }
}

// The brand lives on the prototype so the guard works across duplicate installs.
Object.defineProperty(ReservationSettledError.prototype, brand, { value: true });

/** Whether `value` is a {@link ReservationSettledError}, even one from another copy of this package. */
export function isReservationSettledError(value: unknown): value is ReservationSettledError {
  return typeof value === 'object' && value !== null && brand in value;
}
