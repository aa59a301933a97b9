import { Type, type TSchema } from '../../../vendor/typebox.js';

/** The schema, or null: how the platforms' documents spell an optional value that is always present. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
