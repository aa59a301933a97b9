import { Type, type TSchema } from 'typebox';

/** The schema, or null: how the platforms' documents spell an optional value that is always present. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
