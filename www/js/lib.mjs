// The view library in one place: Preact, its hooks, and htm's tagged
// templates bound to Preact (no build step; htm escapes every value it
// puts into the page, so data never becomes markup).
import { h, render, Fragment, createContext } from "../vendor/preact/preact.mjs";
import {
	useState, useEffect, useRef, useContext, useCallback, useMemo,
} from "../vendor/preact/hooks.mjs";
import htm from "../vendor/htm/htm.mjs";

export const html = htm.bind(h);
export {
	h, render, Fragment, createContext, useState, useEffect, useRef,
	useContext, useCallback, useMemo,
};
